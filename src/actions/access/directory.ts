/**
 * Who people are, as far as the authorization table cares: approvers and full members.
 *
 * Approvers are APPROVERS ∪ the members of APPROVER_USERGROUP. The group's members come from
 * usergroups.users.list, cached for a minute; when Slack cannot answer, only APPROVERS count.
 * A full member is a user Slack says is neither a guest (`is_restricted`, `is_ultra_restricted`)
 * nor deactivated nor from another workspace; users.info answers are cached for ten minutes per
 * user. When Slack cannot answer, the person is not taken for a member. Both fail closed: nobody
 * gains a right from an error.
 */
import type { ApproverDirectory, Clock, MemberDirectory } from '../ports.js';
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

/** What users.info says of a user, as far as membership goes. */
export interface SlackUserFacts {
  deleted?: boolean;
  is_restricted?: boolean;
  is_ultra_restricted?: boolean;
  is_bot?: boolean;
  team_id?: string;
}

export interface MemberDirectoryOptions {
  /** users.info's `user`. */
  fetchUser: (userId: string) => Promise<SlackUserFacts>;
  /** SLACK_TEAM_ID: a user of another workspace (Slack Connect) is not a member. */
  teamId?: string | undefined;
  clock: Clock;
  logger: Logger;
  ttlMs?: number;
  /** How many users' answers are kept (least recently asked go first). */
  maxUsers?: number;
}

export function isFullMember(u: SlackUserFacts, teamId: string | undefined): boolean {
  return !u.deleted && !u.is_restricted && !u.is_ultra_restricted && !u.is_bot && (!teamId || u.team_id === teamId);
}

export function createMemberDirectory(o: MemberDirectoryOptions): MemberDirectory {
  const ttl = o.ttlMs ?? 600_000;
  const max = o.maxUsers ?? 10_000;
  const known = new Map<string, { member: boolean; at: number }>();
  const inflight = new Map<string, Promise<boolean>>();

  function ask(userId: string): Promise<boolean> {
    const p = o
      .fetchUser(userId)
      .then((u) => {
        const member = isFullMember(u, o.teamId);
        known.delete(userId);
        known.set(userId, { member, at: o.clock.now().getTime() });
        if (known.size > max) known.delete(known.keys().next().value as string);
        return member;
      })
      .catch((err: unknown) => {
        o.logger.warn({ err, user: userId }, 'could not read a user from Slack; not counted as a member');
        return false;
      })
      .finally(() => inflight.delete(userId));
    inflight.set(userId, p);
    return p;
  }

  return {
    async isMember(userId) {
      const hit = known.get(userId);
      if (hit && o.clock.now().getTime() - hit.at < ttl) return hit.member;
      return inflight.get(userId) ?? ask(userId);
    },
  };
}
