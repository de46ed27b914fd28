import { describe, expect, it } from 'vitest';
import { buildDeliveryFailure, buildFanoutSummary, buildReceipts, buildUnroutable } from '../../../src/bot/messages/delivery.js';
import { ACTIONS } from '../../../src/bot/messages/ids.js';
import type { DeliveryRecord } from '../../../src/domain/delivery.js';

const receipt = (key: string): DeliveryRecord => ({
  outcome: 'delivered', at: '2024-06-01T10:00:00.000Z', partnerId: 'acme', key, versionId: 'v1',
  targetKey: key.replace('outbound/', 'partners/'), size: 2048, checksum: { algorithm: 'CRC64NVME', value: 'AAAAAAAAAAA=' }, multipart: false,
});

describe('delivery messages', () => {
  it('when one receipt is posted, then it names the file, where it landed, size, checksum and time', () => {
    const m = buildReceipts([receipt('outbound/acme/a.csv')]);
    const text = JSON.stringify(m.blocks);
    expect(m.text).toBe('Delivered outbound/acme/a.csv to partners/acme/a.csv');
    for (const part of ['outbound/acme/a.csv', 'partners/acme/a.csv', '2 KB', 'CRC64NVME', '<!date^']) expect(text).toContain(part);
    expect(text).not.toContain('bytes');
  });

  it('when many receipts are combined, then they stay within Slack\'s block limit', () => {
    const m = buildReceipts(Array.from({ length: 400 }, (_, i) => receipt(`outbound/acme/${'long-name-'.repeat(10)}${i}.csv`)));
    expect(m.text).toBe('Delivered 400 files');
    expect(m.blocks.length).toBeLessThanOrEqual(50);
    for (const b of m.blocks) expect(JSON.stringify(b).length).toBeLessThan(3300);
  });

  it('when a delivery failed, then the message says what happened and whom to ask, with one Resend button carrying the token, and no code', () => {
    const m = buildDeliveryFailure({ ...receipt('outbound/acme/<b>.csv'), outcome: 'failed', error: { code: 'AccessDenied', message: 'Access <Denied>' } }, 'f'.repeat(40));
    const actions = m.blocks.find((b) => b.type === 'actions') as { elements: { action_id: string; value: string }[] };
    expect(actions.elements).toEqual([expect.objectContaining({ action_id: ACTIONS.resend, value: 'f'.repeat(40) })]);
    const text = JSON.stringify(m.blocks);
    expect(m.text).toBe('Not delivered: outbound/acme/&lt;b&gt;.csv: AWS refused the bot');
    expect(text).toContain('Ask the platform team');
    expect(text).not.toContain('AccessDenied');
    expect(text).not.toContain('<b>');
  });

  it('when a fan-out had failures, then the summary counts and lists them', () => {
    const m = buildFanoutSummary({ feed: 'price-lists', key: 'outbound/feeds/price-lists/p.csv', delivered: 2, failed: 1, total: 3, parked: 0, failures: [{ partnerId: 'dealer-x', error: 'SOURCE_MISSING: gone' }] });
    expect(m.text).toBe('Feed price-lists: outbound/feeds/price-lists/p.csv delivered to 2 of 3 partners, 1 failed');
    expect(JSON.stringify(m.blocks)).toContain('dealer-x');
  });

  it('when a key is unroutable, then the report quotes it as code, escaped', () => {
    expect(JSON.stringify(buildUnroutable('outbound/<!channel>.csv', 'no folder').blocks)).toContain('&lt;!channel&gt;');
  });
});
