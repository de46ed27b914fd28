import { describe, expect, it } from 'vitest';
import { buildDriftReport, parseReapplyValue, reapplyValue } from '../../../src/bot/messages/drift.js';
import { ACTIONS } from '../../../src/bot/messages/ids.js';

const HASH = 'ab'.repeat(32);

function reapplyButton(blocks: unknown[]): { value: string } {
  const actions = blocks.find((b) => (b as { type: string }).type === 'actions') as { elements: { action_id: string; value: string }[] };
  return actions.elements.find((e) => e.action_id === ACTIONS.reapplyDrift)!;
}

describe('drift report', () => {
  it('when a drift is reported, then the Re-apply button carries the partner and the hash of the drift shown, and the report names the drift', () => {
    const report = buildDriftReport({ partnerId: 'acme', items: ['IAM role: trust policy differs'], unfixable: [], hash: HASH });
    expect(parseReapplyValue(reapplyButton(report.blocks!).value)).toEqual({ partnerId: 'acme', hash: HASH });
    expect(JSON.stringify(report.blocks)).toContain(HASH.slice(0, 12));
  });

  it('when a button value is parsed, then only a partner id and a full drift hash are accepted', () => {
    expect(parseReapplyValue(reapplyValue('acme-corp', HASH))).toEqual({ partnerId: 'acme-corp', hash: HASH });
    for (const forged of ['', 'acme', `acme:`, `:${HASH}`, `acme:${HASH.slice(1)}`, `acme:${HASH.toUpperCase()}`, `acme:${HASH}:x`, `Acme:${HASH}`, `../x:${HASH}`, `acme:${'g'.repeat(64)}`]) {
      expect(parseReapplyValue(forged), forged).toBeNull();
    }
  });
});
