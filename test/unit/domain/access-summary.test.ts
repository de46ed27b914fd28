/**
 * The sentence an approver approves, read from the rendered documents: what it says of the
 * documents as rendered, that it says more when a document grants more, that every statement is
 * read or named, and that it names the partner's own prefix and no other.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accessDocumentsOf, specOf, type PlanInput } from '../../../src/actions/onboarding/plan.js';
import { renderPartner } from '../../../src/aws/policies/index.js';
import { phraseText, summarizeAccess, type AccessDocuments, type IamDocument, type IamStatement } from '../../../src/domain/access-summary.js';
import { PARTNER_ID_PATTERN, RESERVED_PARTNER_IDS } from '../../../src/domain/partner-id.js';
import { accessSentence } from '../../../src/bot/messages/plan.js';
import { testPlatform } from '../../support/iam-fixtures.js';
import { ed25519PublicKey } from '../../../tools/local/ssh-keys.js';

const platform = testPlatform();
const KEY = ed25519PublicKey().split(' ').slice(0, 2).join(' ');

function documents(over: Partial<PlanInput> = {}): AccessDocuments {
  const input: PlanInput = { partnerId: 'globex', accountId: '444455556666', externalId: 'x'.repeat(43), sshKeys: [KEY], feeds: [], ...over };
  return accessDocumentsOf(platform, renderPartner(platform, specOf(input)), input);
}

const sentence = (docs: AccessDocuments) => phraseText(summarizeAccess(docs).sentence);

/** The documents with one statement of one document changed as `edit` says. */
function widened(docs: AccessDocuments, where: 'session' | 'role' | 'trust', sid: string, edit: (s: IamStatement) => IamStatement): AccessDocuments {
  const change = (d: IamDocument): IamDocument => ({ Statement: d.Statement.map((s) => (s.Sid === sid ? edit(structuredClone(s)) : s)) });
  const copy = structuredClone(docs);
  if (where === 'session') copy.sftp!.sessionPolicy = change(copy.sftp!.sessionPolicy);
  if (where === 'role') copy.role!.policies = copy.role!.policies.map((p) => ({ ...p, document: change(p.document) }));
  if (where === 'trust') copy.role!.trustPolicy = change(copy.role!.trustPolicy);
  return copy;
}

const statementsOf = (docs: AccessDocuments) =>
  [docs.sftp?.sessionPolicy, docs.role?.trustPolicy, ...(docs.role?.policies.map((p) => p.document) ?? [])].flatMap((d) => d?.Statement ?? []);

describe('what approving grants, read from the documents', () => {
  it('when the documents are rendered for an SFTP partner, then the sentence says it lists and reads only its prefix, decrypts only through S3, writes nothing, and sees only its home', () => {
    expect(sentence(documents({ accountId: null }))).toBe(
      '`globex` can list and read only `partners/globex/`; decryption only through S3; no writes. Over SFTP as user `globex` with 1 SSH key; sees only `partners/globex/` as its home.',
    );
  });

  it('when the documents are rendered for a partner pulling through its role, then the sentence names the account and the ExternalId, and the verifier', () => {
    expect(sentence(documents({ sshKeys: [] }))).toBe(
      '`globex` can list and read only `partners/globex/`; decryption only through S3; no writes. Through role `partnergate-partner-globex` from AWS account `444455556666` with its ExternalId (and the platform\'s verifier, for its probes).',
    );
  });

  it.each([
    ['the listing condition is dropped', 'session', 'ListOwnPrefix', (s: IamStatement) => ({ ...s, Condition: undefined }), 'can list the whole bucket (:warning: every partner\'s files) and read only `partners/globex/`'],
    ['the listing is opened to every prefix', 'role', 'ListOwnPrefix', (s: IamStatement) => ({ ...s, Condition: { StringLike: { 's3:prefix': ['*'] } } }), 'can list the whole bucket'],
    ['the reading is opened to the bucket', 'role', 'ReadOwnPrefix', (s: IamStatement) => ({ ...s, Resource: `arn:aws:s3:::${platform.bucket}/*` }), 'read the whole bucket'],
    ['the reading names another partner too', 'session', 'ReadOwnPrefix', (s: IamStatement) => ({ ...s, Resource: [String(s.Resource), `arn:aws:s3:::${platform.bucket}/partners/acme/*`] }), 'read only `partners/globex/` and `partners/acme/` (:warning: beyond its own home)'],
    ['the reading is opened to every home', 'session', 'ReadOwnPrefix', (s: IamStatement) => ({ ...s, Resource: `arn:aws:s3:::${platform.bucket}/partners/*` }), 'read only `partners/` (:warning: beyond its own home)'],
    ['decryption loses its S3 condition', 'session', 'DecryptOwnPrefixViaS3', (s: IamStatement) => ({ ...s, Condition: undefined }), 'can decrypt with the platform key directly, not only through S3'],
    ['the trust loses its ExternalId', 'trust', 'PartnerAccountWithExternalId', (s: IamStatement) => ({ ...s, Condition: undefined }), 'from AWS account `444455556666` WITHOUT an ExternalId'],
    ['a write is added', 'role', 'ReadOwnPrefix', (s: IamStatement) => ({ ...s, Action: ['s3:GetObject', 's3:PutObject'] }), ':warning: 1 other statement this summary does not read'],
    ['the trust is opened to anyone', 'trust', 'PartnerAccountWithExternalId', (s: IamStatement) => ({ ...s, Principal: '*' as const }), '`PartnerAccountWithExternalId` (role trust policy) allows `*` `sts:AssumeRole`'],
    ['a condition it does not know is added', 'session', 'ReadOwnPrefix', (s: IamStatement) => ({ ...s, Condition: { IpAddress: { 'aws:SourceIp': '0.0.0.0/0' } } }), 'when `aws:SourceIp` IpAddress `0.0.0.0/0`'],
  ] as const)('when %s, then the sentence says so', (_, where, sid, edit, says) => {
    const before = sentence(documents());
    const after = sentence(widened(documents(), where, sid, edit));
    expect(before).not.toContain(says);
    expect(after).toContain(says);
  });

  it('when the trust is read as written, then the ExternalId is named, never quoted', () => {
    const externalId = 'S3cretExternalId'.padEnd(43, 'q');
    const docs = widened(documents({ externalId }), 'trust', 'PartnerAccountWithExternalId', (s) => ({ ...s, Action: ['sts:AssumeRole', 'sts:TagSession'] }));
    const text = sentence(docs);
    expect(text).toContain('when `sts:ExternalId` StringEquals the ExternalId');
    expect(text).not.toContain(externalId);
  });

  it('when a write is added, then "no writes" is no longer said, and the action is named', () => {
    const after = sentence(widened(documents(), 'session', 'ReadOwnPrefix', (s) => ({ ...s, Action: 's3:*' })));
    expect(after).not.toContain('no writes');
    expect(after).toContain('`s3:*`');
  });

  it('when the SFTP home is the whole bucket, then the sentence says what the user sees', () => {
    const docs = documents();
    docs.sftp = { ...docs.sftp!, mappings: [{ Entry: '/', Target: `/${platform.bucket}` }] };
    expect(sentence(docs)).toContain(`sees \`/\` as \`/${platform.bucket}\``);
  });

  it('when any documents are read, then every statement is read into the sentence or named in it as other', () => {
    const variants = [
      documents(), documents({ accountId: null }), documents({ sshKeys: [] }),
      widened(documents(), 'session', 'ReadOwnPrefix', (s) => ({ ...s, Effect: 'Deny' })),
      widened(documents(), 'trust', 'VerifierProbes', (s) => ({ ...s, Action: ['sts:AssumeRole', 'sts:TagSession'] })),
      widened(documents(), 'role', 'ListOwnPrefix', (s) => ({ ...s, NotResource: 'x', Resource: undefined })),
    ];
    for (const docs of variants) {
      const summary = summarizeAccess(docs);
      const text = phraseText(summary.sentence);
      expect(summary.statements).toHaveLength(statementsOf(docs).length);
      expect(summary.statements.map((s) => s.sid).sort()).toEqual(statementsOf(docs).map((s) => s.Sid!).sort());
      for (const other of summary.statements.filter((s) => s.other)) expect(text).toContain(`\`${other.sid}\` (${other.document}) ${phraseText(other.phrase)}`);
      expect(summary.statements.some((s) => s.other)).toBe(text.includes(':warning:'));
    }
  });

  it('when any partner is planned, then the sentence names its own prefix and no other partner\'s', () => {
    const partnerId = fc.stringMatching(PARTNER_ID_PATTERN).filter((id) => !RESERVED_PARTNER_IDS.has(id));
    fc.assert(
      fc.property(partnerId, fc.option(fc.constant('444455556666')), fc.integer({ min: 0, max: 10 }), (id, accountId, keys) => {
        const text = sentence(documents({ partnerId: id, accountId, sshKeys: accountId === null && keys === 0 ? [KEY] : Array(keys).fill(KEY) }));
        expect(text).toContain(`only \`partners/${id}/\``);
        const named = [...text.matchAll(/partners\/([^/`]*)\//g)].map((m) => m[1]);
        expect(new Set(named)).toEqual(new Set([id]));
      }),
      { seed: 19_001, numRuns: 150 },
    );
  });

  it('when the documents carry hostile text, then the sentence quotes it escaped and inert', () => {
    const hostile = fc.oneof(
      fc.array(fc.constantFrom('<!channel>', '<@U123>', '<https://evil.example|ok>', '&', '`', '*', '<', '>', 'x'), { maxLength: 5 }).map((p) => p.join('')),
      fc.string({ maxLength: 30 }),
    );
    fc.assert(
      fc.property(hostile, (x) => {
        const docs: AccessDocuments = {
          partnerId: x, bucket: x, kmsKeyArn: x, knownRoles: { [x]: 'the verifier' },
          sftp: { userName: x, sshKeyCount: 1, homeDirectoryType: x, mappings: [{ Entry: x, Target: x }], sessionPolicy: { Statement: [{ Sid: x, Effect: x, Action: x, Resource: x, Condition: { [x]: { [x]: x } } }] } },
          role: { roleName: x, trustPolicy: { Statement: [{ Sid: x, Effect: 'Allow', Principal: { AWS: x }, Action: 'sts:AssumeRole' }] }, policies: [] },
        };
        const out = accessSentence(summarizeAccess(docs).sentence).toString();
        expect(out).not.toMatch(/[<>]/);
        expect(out.replace(/&(amp|lt|gt);/g, '')).not.toContain('&');
      }),
      { seed: 19_002, numRuns: 200 },
    );
  });
});
