/**
 * Sends a welcome (provisioning's, and a rotated ExternalId's): the text to forward by DM to each
 * recipient, the ExternalId in a second DM when the partner has a role, and in the partner's thread
 * only that it was sent, and to whom. The ExternalId never goes to a channel.
 */
import type { Notify } from '../../actions/ports.js';
import { directMessages } from '../../actions/direct-message.js';
import type { PartnerThread } from '../../actions/partner-thread.js';
import { buildExternalIdDm, buildWelcomeDm, welcomeSentText, type WelcomeView } from '../../bot/messages/welcome.js';

export interface Welcome {
  view: WelcomeView;
  /** The role's ExternalId (secret); null without a role. */
  externalId: string | null;
  /** User ids: the requester, and the owner when someone else (`requesterAndOwner`). */
  to: string[];
}

export async function sendWelcome(notify: Notify, thread: PartnerThread, w: Welcome): Promise<void> {
  const { view } = w;
  const secret = view.role && w.externalId !== null
    ? directMessages(w.to, buildExternalIdDm({ partnerId: view.partnerId, displayName: view.displayName, roleArn: view.role.arn, externalId: w.externalId, dryRun: view.dryRun }))
    : [];
  await notify([...directMessages(w.to, buildWelcomeDm(view)), ...secret]);
  await thread.post({ text: welcomeSentText({ partnerId: view.partnerId, to: w.to, externalId: secret.length > 0, dryRun: view.dryRun }) });
}
