/**
 * Requests as Slack sends them (slash commands, events, button clicks, modal submissions), signed
 * with v0 HMAC-SHA256 over `v0:<timestamp>:<body>`.
 */
import { createHmac } from 'node:crypto';

/** A request body and its content type, ready for postToBot. */
export type SlackRequest = { body: string; type: string };

export function sign(body: string, secret: string, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
  const signature = 'v0=' + createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex');
  return { 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': signature };
}

export function slashCommand(fields: { command: string; text?: string; user_id: string; channel_id?: string; trigger_id?: string; response_url?: string }): SlackRequest {
  const params = new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: 'T0TEAM',
    team_domain: 'example',
    channel_id: fields.channel_id ?? 'C0REQUESTS',
    channel_name: 'requests',
    user_id: fields.user_id,
    user_name: fields.user_id.toLowerCase(),
    command: fields.command,
    text: fields.text ?? '',
    api_app_id: 'A0APP',
    response_url: fields.response_url ?? 'http://127.0.0.1:9/respond/none',
    trigger_id: fields.trigger_id ?? `trigger.${Math.random().toString(36).slice(2)}`,
  });
  return { body: params.toString(), type: 'application/x-www-form-urlencoded' };
}

export function interaction(payload: Record<string, unknown>): SlackRequest {
  return { body: new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), type: 'application/x-www-form-urlencoded' };
}

export function event(evt: Record<string, unknown>, eventId = `Ev${Math.random().toString(36).slice(2, 12).toUpperCase()}`): SlackRequest {
  return {
    body: JSON.stringify({
      token: 'deprecated-verification-token',
      team_id: 'T0TEAM',
      api_app_id: 'A0APP',
      type: 'event_callback',
      event_id: eventId,
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [{ team_id: 'T0TEAM', user_id: 'UBOT0001', is_bot: true }],
      event: evt,
    }),
    type: 'application/json',
  };
}

export interface PostResult {
  status: number;
  text: string;
  json: unknown;
}

/** POSTs a request to the bot, signed unless `signature` overrides the headers. */
export async function postToBot(
  url: string,
  request: SlackRequest,
  secret: string,
  options: { timestamp?: number; headers?: Record<string, string> } = {},
): Promise<PostResult> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': request.type, ...sign(request.body, secret, options.timestamp), ...options.headers },
    body: request.body,
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  return { status: res.status, text, json };
}

/** Who a block action or view submission comes from. */
const from = (user: string) => ({
  team: { id: 'T0TEAM', domain: 'example' },
  user: { id: user, username: user.toLowerCase(), team_id: 'T0TEAM' },
  api_app_id: 'A0APP',
  trigger_id: `trigger.${Math.random().toString(36).slice(2)}`,
});

type StateValue = { type: string; value?: string | null; selected_option?: { value: string } | null; selected_options?: { value: string }[]; selected_user?: string | null };

/** A view_submission of any modal, with its state values block → { value: element state }. */
export function viewSubmission(user: string, callbackId: string, values: Record<string, StateValue>, privateMetadata = '{}'): SlackRequest {
  return interaction({
    type: 'view_submission',
    ...from(user),
    view: {
      id: `V${Math.random().toString(36).slice(2, 10).toUpperCase()}`,
      type: 'modal', callback_id: callbackId, private_metadata: privateMetadata, hash: 'h',
      state: { values: Object.fromEntries(Object.entries(values).map(([block, v]) => [block, { value: v }])) },
    },
  });
}

export const textValue = (value: string | null): StateValue => ({ type: 'plain_text_input', value });
export const radioValue = (value: string | null): StateValue => ({ type: 'radio_buttons', selected_option: value === null ? null : { value } });
export const multiValue = (values: string[]): StateValue => ({ type: 'multi_static_select', selected_options: values.map((value) => ({ value })) });

/** A view_submission of the onboarding modal with the given field values. */
export function onboardSubmission(user: string, values: {
  displayName?: string; partnerId?: string; contactEmail?: string; sshKeys?: string; accountId?: string; feeds?: string[]; notes?: string;
}): SlackRequest {
  const text = (v: string | undefined) => textValue(v ?? null);
  return viewSubmission(user, 'onboard_partner_modal', {
    display_name: text(values.displayName),
    partner_id: text(values.partnerId),
    contact_email: { type: 'email_text_input', value: values.contactEmail ?? null },
    ssh_keys: text(values.sshKeys),
    account_id: text(values.accountId),
    feeds: { type: 'multi_static_select', selected_options: (values.feeds ?? []).map((f) => ({ value: f, text: { type: 'plain_text', text: f } })) },
    notes: text(values.notes),
  }, JSON.stringify({ channelId: 'C0REQUESTS' }));
}

/** A block_actions click on a button of a message. */
export function buttonClick(user: string, actionId: string, value: string, message: { channel: string; ts: string }, responseUrl: string): SlackRequest {
  return interaction({
    type: 'block_actions',
    ...from(user),
    container: { type: 'message', message_ts: message.ts, channel_id: message.channel, is_ephemeral: false },
    channel: { id: message.channel, name: 'approvals' },
    message: { type: 'message', ts: message.ts, text: 'card' },
    response_url: responseUrl,
    actions: [{ type: 'button', action_id: actionId, block_id: 'decision', value, action_ts: String(Date.now() / 1000) }],
  });
}

/** The app_home_opened event of the Home tab; `viewId`: the Home the person already has (published before). */
export function homeOpened(user: string, viewId?: string): SlackRequest {
  return event({
    type: 'app_home_opened', user, channel: 'D0HOME', tab: 'home', event_ts: String(Date.now() / 1000),
    ...(viewId ? { view: { id: viewId, type: 'home', team_id: 'T0TEAM', blocks: [], private_metadata: '', hash: 'h' } } : {}),
  });
}

/** A block_actions from a control on the App Home (no channel, no message: the view instead). */
export function homeAction(user: string, action: { action_id: string; type?: string; value?: string; selected_option?: { value: string } }): SlackRequest {
  return interaction({
    type: 'block_actions',
    ...from(user),
    container: { type: 'view', view_id: 'V0HOME' },
    view: { id: 'V0HOME', type: 'home', team_id: 'T0TEAM', blocks: [], private_metadata: '', hash: 'h', state: { values: {} } },
    actions: [{ type: action.type ?? 'button', block_id: 'b', action_ts: String(Date.now() / 1000), ...action }],
  });
}

/** A block_suggestion: someone typed `value` into the external select `actionId` of the App Home. */
export function blockSuggestion(user: string, actionId: string, value: string): SlackRequest {
  return interaction({
    type: 'block_suggestion',
    ...from(user),
    container: { type: 'view', view_id: 'V0HOME' },
    view: { id: 'V0HOME', type: 'home', team_id: 'T0TEAM', blocks: [], private_metadata: '', hash: 'h', state: { values: {} } },
    action_id: actionId, block_id: 'home_filter', value,
  });
}
