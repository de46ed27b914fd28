/**
 * Changes to a live partner's feeds and contact (the edit modal). Every one of them — a feed added
 * or stopped, a new contact — is an `edit` change request approved in the partner's thread by an
 * approver who is not the requester: stopping a feed cuts the partner off, a new contact is
 * who gets told about access, and a new owner is who is reminded of files not picked up. Bad input is answered per field and changes nothing.
 */
import { checkEmail } from '../../domain/contact.js';
import { checkFeeds } from '../../domain/feeds.js';
import { explainPartnerIdProblem } from '../../domain/partner-id.js';
import { LIFECYCLE_FIELDS as F } from '../../bot/messages/ids.js';
import type { PartnerStore } from '../../store/partners.js';
import type { PartnerRecord } from '../../domain/partner.js';
import type { ChangeRequest } from '../../domain/requests.js';
import { changeRefusal, requestChange, type ChangeDeps } from './request-change.js';

export interface PartnerEditSubmission {
  partnerId: string;
  feeds: string[];
  contactEmail: string;
  /** The owner picked (a Slack user id); empty or absent: unchanged. */
  owner?: string;
}

/** A Slack user id (users_select answers one): U… or W… (Enterprise Grid). */
const SLACK_USER = /^[UW][A-Z0-9]{2,30}$/;

/** The partner's owner on record (docs/pickups.md "Deadlines"): set by an edit, else null here (the requester is read by the caller). */
function checkOwner(owner: string | undefined): { ok: true; value: string | null } | { ok: false; error: string } {
  const o = (owner ?? '').trim();
  if (o === '') return { ok: true, value: null };
  return SLACK_USER.test(o) ? { ok: true, value: o } : { ok: false, error: 'The owner must be a person in this workspace.' };
}

export interface EditPartnerDeps extends ChangeDeps {
  partners: PartnerStore;
  feeds: string[];
}

export type EditView = { ok: true; partner: PartnerRecord } | { ok: false; message: string };

export async function partnerForEdit(deps: EditPartnerDeps, partnerId: string): Promise<EditView> {
  const partner = explainPartnerIdProblem(partnerId) ? null : await deps.partners.get(partnerId);
  const refusal = changeRefusal(partner, partnerId, { kind: 'edit', addFeeds: ['-'], removeFeeds: [], contactEmail: null });
  return refusal || !partner ? { ok: false, message: refusal?.message ?? `There is no partner \`${partnerId}\`.` } : { ok: true, partner };
}

export type EditResult = { ok: true; change: ChangeRequest } | { ok: false; errors: Record<string, string> };

export async function editPartner(deps: EditPartnerDeps, input: PartnerEditSubmission & { requestedBy: string }): Promise<EditResult> {
  const found = await partnerForEdit(deps, input.partnerId);
  if (!found.ok) return { ok: false, errors: { [F.contactEmail]: found.message } };
  const partner = found.partner;
  const errors: Record<string, string> = {};
  const feeds = checkFeeds(input.feeds, deps.feeds);
  if (!feeds.ok) errors[F.feeds] = feeds.error;
  const email = checkEmail(input.contactEmail);
  if (!email.ok) errors[F.contactEmail] = email.error;
  const owner = checkOwner(input.owner);
  if (!owner.ok) errors[F.owner] = owner.error;
  if (!feeds.ok || !email.ok || !owner.ok) return { ok: false, errors };

  const removeFeeds = partner.feeds.filter((f) => !feeds.value.includes(f));
  const addFeeds = feeds.value.filter((f) => !partner.feeds.includes(f));
  const contactEmail = email.value !== partner.contactEmail ? email.value : null;
  const newOwner = owner.value !== null && owner.value !== partner.owner ? owner.value : null;
  if (removeFeeds.length === 0 && addFeeds.length === 0 && contactEmail === null && newOwner === null) return { ok: false, errors: { [F.feeds]: 'Nothing changed.' } };
  const open = await deps.changes.openChange(partner.partnerId, 'edit');
  if (open) return { ok: false, errors: { [F.feeds]: `A change of feeds and contact is already awaiting approval (${open}): ask an approver to decide it in the partner's thread first.` } };

  const asked = await requestChange(deps, {
    partnerId: partner.partnerId, requestedBy: input.requestedBy, spec: { kind: 'edit', addFeeds, removeFeeds, contactEmail, ...(newOwner !== null ? { owner: newOwner } : {}) },
  });
  return asked.ok ? { ok: true, change: asked.change } : { ok: false, errors: { [F.feeds]: asked.message } };
}
