/**
 * What people are told when IAM Access Analyzer finds access from outside the account to one of our
 * resources that no one approved (src/domain/access-findings.ts). The resource, the principals, the
 * actions and the finding's id come from the event, so they are outside text: escaped, in `code`.
 */
import type { AccessFinding } from '../../domain/access-findings.js';
import { section, slackMessage, type SlackMessage } from './blocks.js';
import { capped, code, joinMrkdwn, mrkdwn, SECTION_LIMIT, when } from './mrkdwn.js';

const SHOWN = 10;

/** The report: in the partner's thread for its role, in the approvals channel for a platform resource. */
export function buildAccessFindingAlert(f: AccessFinding, why: string): SlackMessage {
  const who = f.isPublic ? mrkdwn`anyone (public)` : joinMrkdwn(f.principals.slice(0, SHOWN).map((p) => code(`${p.kind} ${p.value}`)), ', ');
  const actions = f.actions.length ? joinMrkdwn(f.actions.slice(0, SHOWN).map(code), ', ') : mrkdwn`(no action named)`;
  const more = f.actions.length > SHOWN ? mrkdwn` and ${f.actions.length - SHOWN} more` : mrkdwn``;
  const head = mrkdwn`:rotating_light: *IAM Access Analyzer: ${f.target.resource} is reachable from outside the account*: ${who} may ${actions}${more} (finding ${code(f.findingId)}, analyzed ${when(f.at)}).`;
  const reason = mrkdwn`Not approved: ${why}.${f.conditionKeys.length ? mrkdwn` Only under the condition keys ${joinMrkdwn(f.conditionKeys.slice(0, SHOWN).map(code), ', ')}.` : mrkdwn``}`;
  const next = f.target.type === 'partner'
    ? mrkdwn`A check of ${code(f.target.partnerId)} is queued: if what AWS holds for it differs from the approved state, it is quarantined and the drift report offers Re-apply. Find out who changed the role and why.`
    : mrkdwn`Every partner's isolation depends on it. Find out who changed it and why; if it was not meant, restore the platform stack (\`manifests/platform.yaml\`), then run \`partnergate reconcile\`.`;
  return slackMessage(
    mrkdwn`IAM Access Analyzer: ${f.target.resource} is reachable from outside the account (finding ${f.findingId})`,
    [section(capped(head, SECTION_LIMIT)), section(capped(reason, SECTION_LIMIT)), section(next)],
  );
}
