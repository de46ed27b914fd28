import { describe, expect, it } from 'vitest';
import { buildDriftReport, driftDiff, driftDiffLines, eventQuarantinedText, parseReapplyValue, reapplyValue } from '../../../src/bot/messages/drift.js';
import type { DriftDocument } from '../../../src/domain/drift.js';
import { ACTIONS } from '../../../src/bot/messages/ids.js';

const HASH = 'ab'.repeat(32);

function reapplyButton(blocks: unknown[]): { value: string } {
  const actions = blocks.find((b) => (b as { type: string }).type === 'actions') as { elements: { action_id: string; value: string }[] };
  return actions.elements.find((e) => e.action_id === ACTIONS.reapplyDrift)!;
}

describe('drift report', () => {
  it('when a drift is reported, then the Re-apply button carries the partner and the hash of the drift shown, and the report names the drift', () => {
    const report = buildDriftReport({ partnerId: 'acme', items: [{ subject: 'trust-policy', state: 'differs', line: 'IAM role: trust policy differs' }], documents: [], unfixable: [], hash: HASH });
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

describe('the diff of the documents in a drift report', () => {
  const REGISTRY = 'R'.repeat(43);
  const FOUND = 'F'.repeat(40);
  const trust = (externalId: string, account: string) => ({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': externalId } } }],
  });
  const TRUST: DriftDocument = { name: 'IAM role partnergate-partner-acme: trust policy', actual: trust(FOUND, '999999999999'), intended: trust(REGISTRY, '444455556666') };

  it('when a trust policy differs, then the report shows a unified diff of the pretty-printed documents in a code block, the ExternalIds redacted', () => {
    const lines = driftDiffLines([TRUST]);
    expect(lines.slice(0, 2)).toEqual(['--- IAM role partnergate-partner-acme: trust policy: AWS now', '+++ IAM role partnergate-partner-acme: trust policy: as rendered (re-apply writes this)']);
    expect(lines).toContain('-        "AWS": "arn:aws:iam::999999999999:root"');
    expect(lines).toContain('+        "AWS": "arn:aws:iam::444455556666:root"');
    expect(lines).toContain('-          "sts:ExternalId": "[another ExternalId, redacted]"');
    expect(lines).toContain('+          "sts:ExternalId": "[ExternalId of the registry, redacted]"');
    expect(lines.some((l) => l.startsWith('@@ -'))).toBe(true);
    const report = buildDriftReport({
      partnerId: 'acme', items: [{ subject: 'trust-policy', state: 'differs', line: 'IAM role: trust policy differs' }], documents: [TRUST], unfixable: [], hash: HASH,
    });
    const text = JSON.stringify(report);
    expect(text).not.toContain(REGISTRY);
    expect(text).not.toContain(FOUND);
    const diff = (report.blocks as { text?: { text: string } }[]).map((b) => b.text?.text ?? '').find((t) => t.startsWith('*What differs*'))!;
    expect(diff).toMatch(/\n```\n--- IAM role/);
    expect(diff.endsWith('```')).toBe(true);
    // The report says Re-apply asks a second approver here.
    expect(text).toContain('pressing it asks a second approver');
  });

  it('when a document is missing or not rendered, then its side is absent and the other is all + or all -', () => {
    const lines = driftDiffLines([{ name: 'IAM role r: inline policy x', actual: { Statement: [] }, intended: null }]);
    expect(lines[0]).toBe('--- IAM role r: inline policy x: AWS now');
    expect(lines[1]).toBe('+++ IAM role r: inline policy x: deleted by re-apply');
    expect(lines.slice(3).every((l) => l.startsWith('-'))).toBe(true);
  });

  it('when the diff is longer than a section holds, then it is cut at whole lines within 3,000 characters and says how many more lines there are', () => {
    const big = (n: number, v: string) => ({ Statement: Array.from({ length: n }, (_, i) => ({ Sid: `S${i}`, Resource: `arn:aws:s3:::bucket/${v}/${i}/*` })) });
    const docs: DriftDocument[] = [{ name: 'p', actual: big(200, 'old'), intended: big(200, 'new') }];
    const all = driftDiffLines(docs).length;
    const text = driftDiff(docs).toString();
    expect(text.length).toBeLessThanOrEqual(3000);
    const shown = text.slice(text.indexOf('```\n') + 4, text.lastIndexOf('\n```')).split('\n').length;
    expect(text).toMatch(new RegExp(`\`\`\`\\n… ${all - shown} more lines not shown$`));
    expect(all - shown).toBeGreaterThan(100);
  });

  it('when documents hold Slack syntax or backticks, then nothing in the block mentions, links or closes the code block', () => {
    const hostile = '<!channel> <@U123> <https://evil.example|Re-approve here> ``` &amp;';
    const text = driftDiff([{ name: hostile, actual: { Sid: hostile, [hostile]: 'x'.repeat(500) }, intended: null }]).toString();
    expect(text).not.toMatch(/<[!@#h]/);
    expect(text).toContain('&lt;!channel&gt;');
    expect(text.match(/```/g)).toHaveLength(2);
    // A long line is cut (before escaping) with an ellipsis.
    expect(text).not.toContain('x'.repeat(300));
    expect(text).toContain('x…');
  });
});

describe('quarantine on an event', () => {
  it('when an event quarantines a partner, then the alert names who, the call and the policy, escaped, and says the difference follows', () => {
    const text = eventQuarantinedText({
      partnerId: 'acme', call: 'iam:AttachRolePolicy', actor: 'arn:aws:sts::111122223333:assumed-role/Admin/<!channel>', at: '2026-12-06T14:03:00Z',
      resource: 'IAM role partnergate-partner-acme', parameters: { roleName: 'partnergate-partner-acme', policyArn: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess' },
    });
    expect(text).toContain('`acme` is QUARANTINED: CloudTrail shows `iam:AttachRolePolicy` by `arn:aws:sts::111122223333:assumed-role/Admin/&lt;!channel&gt;` on IAM role partnergate-partner-acme (policy `arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess`)');
    expect(text).not.toContain('<!channel>');
    expect(text).toContain('A check of what AWS holds follows, with the full difference');
    expect(eventQuarantinedText({ partnerId: 'acme', call: 'iam:DeleteRolePermissionsBoundary', actor: 'x', at: 'x', resource: 'IAM role r', parameters: {} })).not.toContain('(policy');
  });
});
