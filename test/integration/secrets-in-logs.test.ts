/**
 * Logging a message never writes the secrets it shows (issue #15). The welcome text and every
 * other message that can show a secret (test/support/secret-messages.ts) are logged the ways the
 * product logs things — as a field, inside the message string, interpolated, in an error, through
 * Bolt's logger — and posted through the notify Slack client with debug logging on, where the Web
 * API client writes each request body to the log (src/logger.ts boltLogger). No line holds a secret.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boltLogger } from '../../src/logger.js';
import { createNotifySlackClient } from '../../src/jobs/notify/index.js';
import { startFakeSlack, type FakeSlack } from '../../tools/local/fake-slack.js';
import { captureLogs, type LogCapture } from '../support/log-capture.js';
import { SECRETS, secretBearingMessages, secretPieces } from '../support/secret-messages.js';

const pieces = [...secretPieces()];
const leaks = (capture: LogCapture) => {
  const text = JSON.stringify(capture.lines);
  return pieces.filter((p) => text.includes(p));
};

/** What a builder made, as chat.postMessage arguments. */
function asPost(message: unknown): { text: string; blocks?: unknown[] }[] {
  if (typeof message === 'string') return [{ text: message }];
  if (Array.isArray(message)) {
    return message.every((m) => typeof m === 'object' && m !== null && 'blocks' in m)
      ? (message as { text: string; blocks: unknown[] }[])
      : [{ text: 'card', blocks: message }];
  }
  const m = message as { text?: string; blocks?: unknown[] };
  return [{ text: m.text ?? 'view', ...(m.blocks ? { blocks: m.blocks } : {}) }];
}

let slack: FakeSlack;
beforeAll(async () => {
  slack = await startFakeSlack();
});
afterAll(async () => {
  await slack.close();
});

describe('secrets in logs', () => {
  it.each(secretBearingMessages())('when %s is logged as a field, in the message, interpolated, in an error and through Bolt\'s logger, then no line holds a secret', (_name, message) => {
    const capture = captureLogs('debug');
    const json = JSON.stringify(message);

    capture.logger.info({ message }, 'notify: posting');
    capture.logger.info(`notify: posting ${json}`);
    capture.logger.info('notify: posting %j', message as object);
    capture.logger.error({ err: new Error(`Slack refused ${json}`) }, 'notify: failed');
    boltLogger(capture.logger).debug('payload', message, json);

    expect(capture.lines).toHaveLength(5);
    expect(leaks(capture)).toEqual([]);
  });

  it('when every such message is posted through the notify Slack client with debug logging, then the request bodies it logs hold no secret', async () => {
    const capture = captureLogs('debug');
    const client = createNotifySlackClient(SECRETS.botToken, { slackApiUrl: slack.apiUrl, logger: boltLogger(capture.logger) });
    let posts = 0;
    for (const [, message] of secretBearingMessages()) {
      for (const post of asPost(message)) {
        await client.chat.postMessage({ channel: 'C0APPROVALS', ...post } as never);
        posts += 1;
      }
    }

    expect(slack.calls('chat.postMessage')).toHaveLength(posts);
    expect(capture.lines.filter((l) => String(l.msg).startsWith('http request body')).length).toBe(posts); // the bodies were logged
    expect(leaks(capture)).toEqual([]);
  });
});
