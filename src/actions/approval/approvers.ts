/**
 * Approvers are APPROVERS ∪ the members of APPROVER_USERGROUP. The group's members come from
 * usergroups.users.list, cached for a minute; when Slack cannot answer, only APPROVERS count
 * (fail closed: nobody gains approval rights from an error).
 */
import type { ApproverDirectory, Clock } from '../ports.js';
import type { Logger } from '../../logger.js';

export interface ApproverDirectoryOptions {
  approvers: string[];
  usergroup: string | undefined;
  /** Members of the user group (usergroups.users.list). */
  fetchGroup: (usergroup: string) => Promise<string[]>;
  clock: Clock;
  logger: Logger;
  ttlMs?: number;
}

export function createApproverDirectory(o: ApproverDirectoryOptions): ApproverDirectory {
  const fixed = new Set(o.approvers);
  const ttl = o.ttlMs ?? 60_000;
  let cached: { members: Set<string>; at: number } | null = null;
  let inflight: Promise<Set<string>> | null = null;

  async function groupMembers(group: string): Promise<Set<string>> {
    const now = o.clock.now().getTime();
    if (cached && now - cached.at < ttl) return cached.members;
    inflight ??= o
      .fetchGroup(group)
      .then((users) => {
        cached = { members: new Set(users), at: o.clock.now().getTime() };
        return cached.members;
      })
      .catch((err: unknown) => {
        o.logger.warn({ err, usergroup: group }, 'could not read approver user group; only APPROVERS count');
        return new Set<string>();
      })
      .finally(() => {
        inflight = null;
      });
    return inflight;
  }

  return {
    async isApprover(userId) {
      if (fixed.has(userId)) return true;
      if (!o.usergroup) return false;
      return (await groupMembers(o.usergroup)).has(userId);
    },
  };
}
