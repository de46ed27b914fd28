/**
 * The yardstick for bench/ack-latency.ts: a bare Bolt 5.1 app, run as a child process as
 * `partnergate web` is, that acknowledges `/onboard-partner` and opens the same modal (the
 * product's pure builder) through Bolt's own WebClient against the same fake Slack. Bolt's own
 * HTTPReceiver, no Redis, no gate, no logging per request: what any Bolt app pays for the exchange.
 *
 * Environment: SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN, SLACK_API_URL, FEEDS (comma list), BARE_WITH_CONTAINER (below). Prints
 * one JSON line `{"port":<n>,"msg":"bare: listening"}` once it listens on 127.0.0.1 (port 0).
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import { buildOnboardModal } from '../src/bot/views/onboard-modal.js';
import { suggestPartnerId } from '../src/domain/partner-id.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`bare-bolt: ${name} is not set`);
  return value;
};
const feeds = (process.env.FEEDS ?? 'price-lists,parts-catalogs,compliance').split(',');

const receiver = new HTTPReceiver({ signingSecret: env('SLACK_SIGNING_SECRET'), logLevel: LogLevel.WARN });
const app = new App({ token: env('SLACK_BOT_TOKEN'), receiver, logLevel: LogLevel.WARN, clientOptions: { slackApiUrl: env('SLACK_API_URL') } });

app.command('/onboard-partner', async ({ ack, command, client }) => {
  await ack();
  const displayName = command.text.trim().slice(0, 80);
  await client.views.open({
    trigger_id: command.trigger_id,
    view: buildOnboardModal({ feeds, displayName, suggestedId: suggestPartnerId(displayName), channelId: command.channel_id }),
  });
});

/**
 * BARE_WITH_CONTAINER=1 (bench/ack-latency.ts `--control container`): the process also builds
 * partnergate's container and the web role's use cases from partnergate's environment, and keeps
 * them, unused: what the process carries besides its request path.
 */
if (process.env.BARE_WITH_CONTAINER === '1') {
  const [{ loadConfig }, { createLogger }, { createContainer }, { bindUseCases }] = await Promise.all([
    import('../src/config.js'), import('../src/logger.js'), import('../src/container/container.js'), import('../src/container/use-cases.js'),
  ]);
  const container = createContainer(loadConfig(process.env), createLogger('warn'));
  (globalThis as Record<string, unknown>)['partnergateCarried'] = bindUseCases(container);
}

const server = (await receiver.start(0)) as Server;
// As partnergate's server (src/bot/transport/server.ts): idle keep-alive connections stay open between rounds.
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port, msg: 'bare: listening' })}\n`);
process.once('SIGTERM', () => void receiver.stop().then(() => process.exit(0)));

