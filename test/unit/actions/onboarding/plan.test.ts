import { describe, expect, it } from 'vitest';
import { createPlanRenderer, EXTERNAL_ID_SHOWN_AS, type PlanInput } from '../../../../src/actions/onboarding/plan.js';
import { buildPlanMessages } from '../../../../src/bot/messages/plan.js';
import { SECTION_LIMIT } from '../../../../src/bot/messages/mrkdwn.js';
import { parseSshPublicKeys } from '../../../../src/domain/ssh-key.js';
import type { OnboardingRequest } from '../../../../src/domain/requests.js';
import { expectedFingerprint, generateTestKey } from '../../domain/ssh-test-keys.js';
import { testPlatform } from '../../../support/iam-fixtures.js';

const renderPlan = createPlanRenderer(testPlatform());

function input(keys: { line: string; comment?: string }[], over: Partial<PlanInput> = {}): PlanInput {
  const parsed = parseSshPublicKeys(keys.map((k) => (k.comment ? `${k.line} ${k.comment}` : k.line)).join('\n'));
  if ('error' in parsed) throw new Error(parsed.error);
  return {
    partnerId: 'acme', accountId: null, externalId: 'x'.repeat(43), feeds: ['price-lists'],
    sshKeys: parsed.keys.map((k) => k.normalized),
    sshKeyComments: Object.fromEntries(parsed.keys.flatMap((k) => (k.comment ? [[k.normalized, k.comment]] : []))),
    ...over,
  };
}

function request(i: PlanInput): OnboardingRequest {
  return {
    ...i, id: 'req_aaaaaaaaaaaaaaaaaaaaaaaaaa', displayName: 'Acme', contactEmail: 'a@acme.example', notes: '', requestedBy: 'UREQ',
    requestedAt: '2030-01-01T00:00:00.000Z', expiresAt: '2030-01-04T00:00:00.000Z', planHash: 'h', channel: 'C1', status: 'pending', decision: null,
  };
}

const planText = (i: PlanInput) => buildPlanMessages(request(i), renderPlan(i)).flatMap((m) => m.blocks.map((b) => JSON.stringify(b))).join('\n');

describe('the onboarding plan', () => {
  it('when a request has SSH keys, then the plan shows each key\'s type, SHA256 fingerprint as ssh-keygen prints it, and comment', () => {
    const ed = generateTestKey('ed25519');
    const rsa = generateTestKey('rsa2048');
    const ec = generateTestKey('p256');
    const i = input([{ line: ed.line, comment: 'alice@laptop' }, { line: rsa.line, comment: 'sftp bot key 2024' }, { line: ec.line }]);
    const item = renderPlan(i).items.find((it) => it.resource.startsWith('SFTP user'))!;
    const details = item.details.join('\n');
    expect(details).toContain('SSH keys (3)');
    expect(details).toContain(`\`ssh-ed25519\` \`${expectedFingerprint(ed.base64)}\` \`alice@laptop\``);
    expect(details).toContain(`\`ssh-rsa\` \`${expectedFingerprint(rsa.base64)}\` \`sftp bot key 2024\``);
    expect(details).toContain(`\`ecdsa-sha2-nistp256\` \`${expectedFingerprint(ec.base64)}\` (no comment)`);
    // Never the key material itself.
    for (const k of [ed, rsa, ec]) expect(details).not.toContain(k.base64);
  });

  it('when a comment carries mrkdwn, mentions, links or is very long, then it is shown inert and capped', () => {
    const ed = generateTestKey('ed25519');
    const hostile = '<!channel> *approve* `me` <https://evil.example|click> & ' + 'x'.repeat(200);
    const details = renderPlan(input([{ line: ed.line, comment: hostile }])).items.flatMap((it) => it.details).join('\n');
    const line = details.split('\n').find((l) => l.includes(expectedFingerprint(ed.base64)))!;
    expect(line).not.toContain('<!channel>');
    expect(line).not.toContain('<https://');
    expect(line).toContain('&lt;!channel&gt;');
    expect(line).not.toMatch(/`me`/);
    expect(line.length).toBeLessThan(200);
    expect(line).toContain('…');
  });

  it('when comments differ, then the plan hash does not (it binds the keys, which the fingerprints name)', () => {
    const ed = generateTestKey('ed25519');
    expect(renderPlan(input([{ line: ed.line, comment: 'one' }])).hash).toBe(renderPlan(input([{ line: ed.line, comment: 'two' }])).hash);
    expect(renderPlan(input([{ line: ed.line }], { sshKeyComments: undefined })).hash).toBe(renderPlan(input([{ line: ed.line }])).hash);
  });

  it('when the request has the most keys with the longest comments, then every key is shown and every section keeps Slack\'s limit', () => {
    const keys = Array.from({ length: 10 }, (_, n) => ({ line: generateTestKey(n % 2 ? 'rsa2048' : 'p521').line, comment: `${n}-${'c'.repeat(500)}` }));
    const i = input(keys);
    const messages = buildPlanMessages(request(i), renderPlan(i));
    for (const m of messages) {
      expect(m.blocks.length).toBeLessThanOrEqual(50);
      for (const b of m.blocks) if (b.type === 'section') expect((b as { text: { text: string } }).text.text.length).toBeLessThanOrEqual(SECTION_LIMIT);
    }
    const text = planText(i);
    for (const k of keys) expect(text).toContain(expectedFingerprint(k.line.split(' ')[1]!));
  });

  it('when a plan is posted, then its first reply leads with what approving grants, read from the documents, and the button to them', () => {
    const i = input([{ line: generateTestKey('ed25519').line }], { accountId: '444455556666' });
    const [first] = buildPlanMessages(request(i), renderPlan(i));
    const texts = first!.blocks.map((b) => JSON.stringify(b));
    expect(texts[1]).toContain('*What approving grants*');
    expect(texts[1]).toContain('`acme` can list and read only `partners/acme/`; decryption only through S3; no writes.');
    expect(texts[1]).toContain('Over SFTP as user `acme` with 1 SSH key; sees only `partners/acme/` as its home.');
    expect(texts[1]).toContain('Through role `partnergate-partner-acme` from AWS account `444455556666` with its ExternalId');
    expect(texts[2]).toContain('"action_id":"plan_documents"');
    expect(texts.join('\n')).not.toMatch(/LOGICAL|of 2,048|arn:aws:kms/);
  });

  it('when the documents are listed for the approver, then they are the rendered ones in full, conditions included, and never the ExternalId', () => {
    const i = input([{ line: generateTestKey('ed25519').line }], { accountId: '444455556666', externalId: 'S3cr3tExternalId_'.padEnd(43, 'z') });
    const docs = renderPlan(i).documents;
    expect(docs.map((d) => d.title)).toEqual([
      'SFTP user acme (Transfer CreateUser, without its session policy)', 'Session policy of SFTP user acme',
      'IAM role partnergate-partner-acme', 'Trust policy of partnergate-partner-acme', 'Inline policy partnergate-read-own-prefix of partnergate-partner-acme',
    ]);
    const all = docs.map((d) => d.json).join('\n');
    expect(all).not.toContain(i.externalId);
    expect(all).toContain(EXTERNAL_ID_SHOWN_AS);
    const session = JSON.parse(docs[1]!.json) as { Statement: { Sid: string; Condition?: unknown }[] };
    expect(session.Statement.find((s) => s.Sid === 'ListOwnPrefix')?.Condition).toEqual({ StringLike: { 's3:prefix': ['partners/acme/', 'partners/acme/*'] } });
  });
});
