/** What the approval sweep does for each kind, every minute: expire what is past its expiry, nudge what has waited. */
import type { ApprovalItem } from '../../domain/approval.js';
import { nudgeLine } from '../../bot/messages/approval-card.js';
import { expire, type ApprovalDeps } from './decide.js';

/** Expires every pending item of the kind past its expiry; answers how many. */
export async function expireDue<T extends ApprovalItem>(deps: ApprovalDeps<T>): Promise<number> {
  let expired = 0;
  for (;;) {
    let round = 0;
    for (const id of await deps.kind.store.expiredPending(deps.clock.now(), 100)) if (await expire(deps, id)) round += 1;
    expired += round;
    if (round === 0) return expired; // nothing left that can expire (or only stale index entries)
  }
}

/** Nudges, once, in its thread, every pending item of the kind that has waited `nudgeAfterHours`; answers how many. */
export async function nudgeDue<T extends ApprovalItem>(deps: ApprovalDeps<T> & { nudgeAfterHours: number }): Promise<number> {
  const now = deps.clock.now();
  const { view, store } = deps.kind;
  let nudged = 0;
  for (const id of await store.pendingIds()) {
    const item = await store.get(id);
    const waited = item ? Math.floor((now.getTime() - Date.parse(item.requestedAt)) / 3_600_000) : 0;
    if (!item || item.status !== 'pending' || waited < deps.nudgeAfterHours) continue;
    if (!(await store.markNudged(id, now))) continue;
    await deps.notify({ op: 'post', channel: item.channel, thread: view.thread(item), priority: 'approval', text: nudgeLine(view, item, waited) });
    await deps.audit?.({ type: 'approval.nudged', partnerId: item.partnerId, requestId: item.id, actor: 'partnergate', details: { kind: deps.kind.nudgeKind(item), waitedHours: waited } });
    nudged += 1;
  }
  return nudged;
}
