/**
 * What people are told when CloudTrail reports a change to a platform resource every partner
 * depends on (src/domain/platform-events.ts) that the bot did not make. The actor, the resource and
 * the parameters come from the event, so they are outside text: escaped, in `code`.
 */
import type { AccessChange } from '../../domain/platform-events.js';
import { section, slackMessage, type SlackMessage } from './blocks.js';
import { code, joinMrkdwn, mrkdwn, when } from './mrkdwn.js';

/** The alert in the approvals channel: who, what, on which resource, and what to do. */
export function buildPlatformChangeAlert(c: AccessChange): SlackMessage {
  const params = Object.entries(c.parameters).map(([name, value]) => mrkdwn`${name} ${code(value)}`);
  const head = mrkdwn`:rotating_light: *${c.target.resource} was changed outside partnergate*: ${code(c.call)} by ${code(c.actor)} ${when(c.at)}`;
  const what = params.length > 0 ? mrkdwn`Parameters: ${joinMrkdwn(params, ', ')}.` : mrkdwn`The event named no parameters.`;
  const next = mrkdwn`Every partner's isolation depends on it. Find out who made the change and why; if it was not meant, restore the platform stack (\`manifests/platform.yaml\`), then run \`partnergate reconcile\`.`;
  return slackMessage(mrkdwn`${c.target.resource} was changed outside partnergate: ${c.call} by ${c.actor}`, [section(head), section(what), section(next)]);
}
