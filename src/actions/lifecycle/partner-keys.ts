/**
 * `/partner-keys <partner-id>`: the partner's keys for the modal (from the registry: no AWS call
 * inside Slack's 3 s), and the modal's submission turned into change requests — one for the SSH
 * keys (added and removed), one for an ExternalId rotation — each approved in the partner's
 * thread. Bad input is answered per block and changes nothing; so is a key another partner holds
 * or has requested (refused by the change store's claim, src/store/change-requests.ts).
 */
import { describeKeys, fingerprintOf, type KeyView } from '../../domain/key-ages.js';
import { MAX_SSH_KEYS, parseSshPublicKeys } from '../../domain/ssh-key.js';
import { explainPartnerIdProblem } from '../../domain/partner-id.js';
import { LIFECYCLE_FIELDS as F } from '../../bot/messages/ids.js';

import type { ChangeRequest, ChangeSpec } from '../../domain/requests.js';
import { changeRefusal, requestChange, type ChangeDeps } from './request-change.js';

export interface KeysModalInput {
  partnerId: string;
  displayName: string;
  keys: KeyView[];
  hasRole: boolean;
  maxAgeDays: number;
}

export interface KeysSubmission {
  partnerId: string;
  addText: string;
  remove: string[];
  rotate: boolean;
  reason: string;
}

export interface PartnerKeysDeps extends ChangeDeps {
  keyMaxAgeDays: number;
}

export async function partnerKeysView(deps: PartnerKeysDeps, partnerId: string): Promise<{ ok: true; view: KeysModalInput } | { ok: false; message: string }> {
  const id = partnerId.trim();
  if (id === '') return { ok: false, message: 'Usage: `/partner-keys <partner-id>`' };
  const partner = explainPartnerIdProblem(id) ? null : await deps.partners.get(id);
  const refusal = changeRefusal(partner, id, { kind: 'ssh-keys', add: ['-'], remove: [] });
  if (refusal || !partner) return { ok: false, message: refusal?.message ?? `There is no partner \`${id}\`.` };
  return {
    ok: true,
    view: {
      partnerId: partner.partnerId, displayName: partner.displayName, hasRole: partner.accountId !== null,
      keys: describeKeys(partner, deps.clock.now(), deps.keyMaxAgeDays), maxAgeDays: deps.keyMaxAgeDays,
    },
  };
}

export type KeyChangesResult = { ok: true; changes: ChangeRequest[] } | { ok: false; errors: Record<string, string> };

export async function requestKeyChanges(deps: PartnerKeysDeps, input: KeysSubmission & { requestedBy: string }): Promise<KeyChangesResult> {
  const partner = explainPartnerIdProblem(input.partnerId) ? null : await deps.partners.get(input.partnerId);
  const refusal = changeRefusal(partner, input.partnerId, { kind: 'ssh-keys', add: ['-'], remove: [] });
  if (refusal || !partner) return { ok: false, errors: { [F.addKeys]: refusal?.message ?? `There is no partner \`${input.partnerId}\`.` } };

  const errors: Record<string, string> = {};
  const present = new Map(partner.sshKeys.map((k) => [fingerprintOf(k) ?? k, k]));
  let add: string[] = [];
  if (input.addText.trim() !== '') {
    const parsed = parseSshPublicKeys(input.addText);
    if ('error' in parsed) errors[F.addKeys] = parsed.error;
    else {
      const dup = parsed.keys.find((k) => present.has(k.fingerprint));
      if (dup) errors[F.addKeys] = `The partner already has the key ${dup.fingerprint}.`;
      add = parsed.keys.map((k) => k.normalized);
    }
    if (!errors[F.addKeys] && partner.sshKeys.length === 0) {
      errors[F.addKeys] = `\`${partner.partnerId}\` has no SFTP user (S3 pull only): keys cannot be added to it.`;
    }
  }
  const unknown = input.remove.filter((f) => !present.has(f));
  if (unknown.length > 0) errors[F.removeKeys] = `Not a key of this partner: ${unknown.join(', ')}.`;
  const remaining = partner.sshKeys.length + add.length - input.remove.length;
  if (!errors[F.addKeys] && !errors[F.removeKeys]) {
    if (remaining > MAX_SSH_KEYS) errors[F.addKeys] = `That makes ${remaining} keys; at most ${MAX_SSH_KEYS} per partner.`;
    else if (remaining === 0 && partner.sshKeys.length > 0 && !partner.accountId) {
      errors[F.removeKeys] = 'That would remove the last key of an SFTP-only partner: it could not log in any more. Offboard it instead, or add a key.';
    }
  }
  const wantsKeys = add.length > 0 || input.remove.length > 0;
  if (!wantsKeys && !input.rotate && Object.keys(errors).length === 0) errors[F.addKeys] = 'Add or remove a key, or rotate the ExternalId.';
  for (const kind of [...(wantsKeys ? (['ssh-keys'] as const) : []), ...(input.rotate ? (['external-id'] as const) : [])]) {
    const open = await deps.changes.openChange(partner.partnerId, kind);
    if (open) errors[kind === 'ssh-keys' ? F.addKeys : F.rotateExternalId] = `A change of ${kind === 'ssh-keys' ? 'SSH keys' : 'the ExternalId'} is already awaiting approval for this partner (${open}): ask an approver to decide it in the partner's thread first.`;
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };

  const specs: ChangeSpec[] = [
    ...(wantsKeys ? [{ kind: 'ssh-keys' as const, add, remove: input.remove }] : []),
    ...(input.rotate ? [{ kind: 'external-id' as const, reason: input.reason }] : []),
  ];
  const changes: ChangeRequest[] = [];
  for (const spec of specs) {
    const result = await requestChange(deps, { partnerId: partner.partnerId, requestedBy: input.requestedBy, spec });
    if (!result.ok) return { ok: false, errors: { [spec.kind === 'ssh-keys' ? F.addKeys : F.rotateExternalId]: result.message } };
    changes.push(result.change);
  }
  return { ok: true, changes };
}
