/**
 * Small fakes of the ports use cases take (src/actions/ports.ts): a clock that moves only when told,
 * an approver directory from a set, recorders that keep what was notified, audited or queued, and a
 * partner as the registry holds it. No test-runner imports: the provision child process uses them too.
 */
import { createLogger } from '../../src/logger.js';
import type { PartnerRecord } from '../../src/domain/partner.js';
import type { ApproverDirectory, Audit, AuditInput, Clock, Notify, NotifyMessage, UseCaseDeps } from '../../src/actions/ports.js';

export interface ManualClock extends Clock {
  advance(ms: number): void;
}

export function manualClock(start = new Date()): ManualClock {
  let t = start.getTime();
  return { now: () => new Date(t), advance: (ms) => void (t += ms) };
}

export function fixedApprovers(...ids: string[]): ApproverDirectory & { set: Set<string> } {
  const set = new Set(ids);
  return { set, isApprover: async (id) => set.has(id) };
}

/** The logger (silent) and clock (standing at `now`) every use case takes. */
export function useCaseDeps(now = new Date('2030-01-01T00:00:00.000Z')): UseCaseDeps & { clock: ManualClock } {
  return { logger: createLogger('silent'), clock: manualClock(now) };
}

/** Keeps what was notified: `calls`, the messages of each call; `sent`, all of them in order. */
export function notifyRecorder(): { notify: Notify; calls: NotifyMessage[][]; sent: NotifyMessage[] } {
  const calls: NotifyMessage[][] = [];
  const sent: NotifyMessage[] = [];
  const notify: Notify = async (m) => {
    calls.push([m].flat());
    sent.push(...[m].flat());
  };
  return { notify, calls, sent };
}

export function auditRecorder(): { audit: Audit; records: AuditInput[] } {
  const records: AuditInput[] = [];
  return { audit: async (r) => void records.push(r), records };
}

/** An enqueue port (queueResend, enqueueReapply, …) that keeps the arguments of each call. */
export function enqueueRecorder<A extends unknown[]>(): { enqueue: (...args: A) => Promise<void>; calls: A[] } {
  const calls: A[] = [];
  return { enqueue: async (...args) => void calls.push(args), calls };
}

/** A LIVE partner as the registry (PartnerStore) holds it, for the use cases that read one. */
export function partnerRecord(over: Partial<PartnerRecord> = {}): PartnerRecord {
  return {
    partnerId: 'acme', requestId: 'req_aaaaaaaaaaaaaaaaaaaaaaaaaa', displayName: 'Acme', contactEmail: 'files@acme.example', accountId: '444455556666',
    externalId: 'x'.repeat(43), feeds: ['price-lists'], sshKeys: [], status: 'live', steps: [], threadRef: 'card:req_aaaaaaaaaaaaaaaaaaaaaaaaaa',
    channel: 'C0APPROVALS', approvedBy: 'UAPP', provisionedAt: '2029-06-01T00:00:00.000Z', verifiedAt: '2029-06-01T00:10:00.000Z',
    transferUserCreatedAt: null, dryRun: false, updatedAt: '2029-06-01T00:10:00.000Z', ...over,
  };
}

/** TRANSFER_HOST set, AWS touched: where SSH-key onboardings are accepted (src/domain/access.ts `sftpEndpointRefusal`). */
export const SFTP_ENDPOINT = { transferHost: 'sftp.partnergate.example', dryRun: false } as const;
