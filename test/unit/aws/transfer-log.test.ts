import { afterEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { downloadFilterPattern, findLoggedDownloads, readDownloadEntry } from '../../../src/aws/transfer-log.js';

const logsMock = mockClient(CloudWatchLogsClient);
afterEach(() => logsMock.reset());

const PATH = '/dist/partners/acme/a.csv';
/** A CLOSE entry as Transfer's structured log holds it (bytes as a string, as AWS documents). */
const close = (o: Record<string, unknown> = {}, stream = 'acme.9ca9a0e1cec6ad9d', timestamp = 1000) => ({
  logStreamName: stream, timestamp,
  message: JSON.stringify({ path: PATH, 'activity-type': 'CLOSE', 'resource-arn': 'arn:aws:transfer:eu-west-1:111122223333:server/s-0123456789abcdef0', 'bytes-out': '20', 'session-id': '9ca9a0e1cec6ad9d', ...o }),
});

describe("Transfer's log of downloads", () => {
  it('when an entry is a CLOSE of the path in one of the user’s sessions, then it is a download with its bytes and session', () => {
    expect(readDownloadEntry(close(), { userName: 'acme', path: PATH })).toEqual({ atMs: 1000, bytesOut: 20, sessionId: '9ca9a0e1cec6ad9d', activity: 'CLOSE' });
    expect(readDownloadEntry(close({ 'activity-type': 'PARTIAL_CLOSE' }), { userName: 'acme', path: PATH })?.activity).toBe('PARTIAL_CLOSE');
  });

  it.each([
    ['another user’s stream', close({}, 'acme-2.s1')],
    ['a probe’s stream', close({}, 'partnergate-verify-acme.s1')],
    ['another path', close({ path: '/dist/partners/acme/b.csv' })],
    ['an upload’s OPEN', close({ 'activity-type': 'OPEN', mode: 'CREATE|TRUNCATE|WRITE' })],
    ['a message that is not JSON', { ...close(), message: 'CLOSE Path=/dist/partners/acme/a.csv' }],
    ['no timestamp', { ...close(), timestamp: undefined }],
  ])('when the entry is %s, then it is not this user’s download', (_, entry) => {
    expect(readDownloadEntry(entry, { userName: 'acme', path: PATH })).toBeNull();
  });

  it('when a key cannot be quoted in CloudWatch’s filter syntax, then only closes are filtered and the path is compared in code', () => {
    expect(downloadFilterPattern(PATH)).toBe(`{ ($.activity-type = "CLOSE" || $.activity-type = "PARTIAL_CLOSE") && $.path = "${PATH}" }`);
    expect(downloadFilterPattern('/dist/partners/acme/a"b.csv')).toBe('{ ($.activity-type = "CLOSE" || $.activity-type = "PARTIAL_CLOSE") }');
  });

  it('when results come in pages, then they are followed up to maxPages and answered oldest first', async () => {
    logsMock.on(FilterLogEventsCommand)
      .resolvesOnce({ events: [close({}, 'acme.s2', 3000)], nextToken: 't1' })
      .resolvesOnce({ events: [close({}, 'acme.s1', 2000)], nextToken: 't2' })
      .resolvesOnce({ events: [close({}, 'acme.s0', 1000)], nextToken: 't3' });
    const found = await findLoggedDownloads(new CloudWatchLogsClient({ region: 'eu-west-1' }), { logGroupName: '/partnergate/sftp', userName: 'acme', path: PATH, fromMs: 1, toMs: 9, maxPages: 2 });
    expect(found.map((f) => f.atMs)).toEqual([2000, 3000]);
    const calls = logsMock.commandCalls(FilterLogEventsCommand).map((c) => c.args[0].input);
    expect(calls).toHaveLength(2);
    expect(calls[1]).toMatchObject({ nextToken: 't1', logStreamNamePrefix: 'acme.', startTime: 1, endTime: 9 });
  });
});
