/**
 * Changes to a live partner's feeds and contact. Removing feeds and changing the contact narrow
 * nothing the partner can reach, so they apply at once; adding feeds widens what it receives, so it
 * becomes an `add-feeds` change approved in the partner's thread. Every change is logged, audited
 * and said in the thread. Bad input is answered per field and changes nothing.
 */
import { checkEmail } from '../../domain/contact.js';
import { checkFeeds } from '../../domain/feeds.js';
import { explainPartnerIdProblem } from '../../domain/partner-id.js';
import { LIFECYCLE_FIELDS as F } from '../../bot/messages/ids.js';
import { contactChangedNote, feedsStoppedNote, partnerEditedText } from '../../bot/messages/lifecycle.js';
import type { Mrkdwn } from '../../bot/messages/mrkdwn.js';

import type { PartnerStore } from '../../store/partners.js';
import type { PartnerRecord } from '../../domain/partner.js';
import { changeRefusal, requestChange, type ChangeDeps } from './request-change.js';

export interface PartnerEditSubmission {
  partnerId: string;
  feeds: string[];
  contactEmail: string;
}

export interface EditPartnerDeps extends ChangeDeps {
  partners: PartnerStore;
  feeds: string[];
}

export type EditView = { ok: true; partner: PartnerRecord } | { ok: false; message: string };

export async function partnerForEdit(deps: EditPartnerDeps, partnerId: string): Promise<EditView> {
  const partner = explainPartnerIdProblem(partnerId) ? null : await deps.partners.get(partnerId);
  const refusal = changeRefusal(partner, partnerId, { kind: 'add-feeds', feeds: ['-'] });
  return refusal || !partner ? { ok: false, message: refusal?.message ?? 'Unknown partner.' } : { ok: true, partner };
}

export type EditResult = { ok: true; applied: string[]; pendingApproval: string[] } | { ok: false; errors: Record<string, string> };

export async function editPartner(deps: EditPartnerDeps, input: PartnerEditSubmission & { requestedBy: string }): Promise<EditResult> {
  const found = await partnerForEdit(deps, input.partnerId);
  if (!found.ok) return { ok: false, errors: { [F.contactEmail]: found.message } };
  const partner = found.partner;
  const errors: Record<string, string> = {};
  const feeds = checkFeeds(input.feeds, deps.feeds);
  if (!feeds.ok) errors[F.feeds] = feeds.error;
  const email = checkEmail(input.contactEmail);
  if (!email.ok) errors[F.contactEmail] = email.error;
  if (!feeds.ok || !email.ok) return { ok: false, errors };

  const removed = partner.feeds.filter((f) => !feeds.value.includes(f));
  const added = feeds.value.filter((f) => !partner.feeds.includes(f));
  const contactChanged = email.value !== partner.contactEmail;
  if (removed.length === 0 && added.length === 0 && !contactChanged) return { ok: false, errors: { [F.feeds]: 'Nothing changed.' } };
  if (added.length > 0) {
    const open = await deps.changes.openChange(partner.partnerId, 'add-feeds');
    if (open) return { ok: false, errors: { [F.feeds]: `Adding feeds is already awaiting approval (${open}): decide that one first.` } };
  }

  const notes: Mrkdwn[] = [];
  if (removed.length > 0 || contactChanged) {
    const at = deps.clock.now().toISOString();
    await deps.partners.update(partner.partnerId, (r) => ({
      ...r, feeds: r.feeds.filter((f) => !removed.includes(f)), contactEmail: email.value, updatedAt: at,
    }));
    if (removed.length > 0) {
      notes.push(feedsStoppedNote(removed));
      await deps.audit?.({ type: 'partner.changed', partnerId: partner.partnerId, actor: input.requestedBy, details: { field: 'feeds', removed } });
    }
    if (contactChanged) {
      notes.push(contactChangedNote(partner.contactEmail, email.value));
      await deps.audit?.({ type: 'partner.changed', partnerId: partner.partnerId, actor: input.requestedBy, details: { field: 'contactEmail', from: partner.contactEmail, to: email.value } });
    }
    deps.logger.info({ partnerId: partner.partnerId, actor: input.requestedBy, removedFeeds: removed, contactChanged }, 'partner changed');
  }
  if (added.length > 0) {
    const asked = await requestChange(deps, { partnerId: partner.partnerId, requestedBy: input.requestedBy, spec: { kind: 'add-feeds', feeds: added } });
    if (!asked.ok) return { ok: false, errors: { [F.feeds]: asked.message } };
  }
  if (notes.length > 0) {
    const text = partnerEditedText({ by: input.requestedBy, partnerId: partner.partnerId, notes, awaiting: added });
    await deps.notify({ op: 'post', channel: partner.channel, thread: { ref: partner.threadRef }, text });
  }
  return { ok: true, applied: notes.map(String), pendingApproval: added };
}
