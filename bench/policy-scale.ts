/**
 * Benchmark 3: policy scale. The bucket and key policies rendered with 1, 100 and 10,000 partners
 * (they must not grow: nothing in them is per partner), every partner's Transfer session policy
 * against Transfer's 2,048 characters and its role's documents against IAM's limits (maximum over
 * 10,000 random valid ids of the maximum length, with an account), and the time of the isolation
 * check (tools/isolation/check-isolation.ts) for 100 partners.
 *
 *   npm run bench:policy
 */
import { spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { policySize, POLICY_SIZE_LIMITS, renderPartner, renderPlatform } from '../src/aws/policies/index.js';
import { MAX_PARTNER_ID_LENGTH } from '../src/domain/partner-id.js';
import { benchPlatform, report, round } from './lib.js';

const platform = benchPlatform();
const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
const pick = (alphabet: string) => alphabet[randomInt(alphabet.length)]!;

/** A random valid id of exactly `length` characters (hyphens only inside). */
function randomId(length: number): string {
  let middle = '';
  for (let i = 0; i < length - 2; i += 1) middle += pick(`${ALNUM}-`);
  return `${pick(ALNUM)}${middle}${pick(ALNUM)}`;
}
const externalId = () => 'x'.repeat(43);
const account = () => String(randomInt(100_000_000_000, 999_999_999_999));

// Resource policies with 1, 100 and 10,000 partners rendered alongside.
const resource: Record<string, { bucketPolicy: number; kmsKeyPolicy: number; distinctBucketPolicies: number; distinctKeyPolicies: number }> = {};
for (const n of [1, 100, 10_000]) {
  const bucket = new Set<string>();
  const key = new Set<string>();
  for (let i = 0; i < n; i += 1) {
    const rendered = renderPartner(platform, { partnerId: `p${String(i).padStart(5, '0')}-x`, accountId: account(), externalId: externalId(), sshKeys: [], feeds: ['price-lists'] });
    bucket.add(JSON.stringify(rendered.bucketPolicy));
    key.add(JSON.stringify(rendered.kmsKeyPolicy));
  }
  const p = renderPlatform(platform);
  bucket.add(JSON.stringify(p.bucketPolicy));
  key.add(JSON.stringify(p.kmsKeyPolicy));
  resource[String(n)] = {
    bucketPolicy: policySize(p.bucketPolicy), kmsKeyPolicy: policySize(p.kmsKeyPolicy),
    distinctBucketPolicies: bucket.size, distinctKeyPolicies: key.size,
  };
}

// Per-partner documents at the maximum id length.
const IDS = 10_000;
let session = 0;
let trust = 0;
let inline = 0;
let sidePolicy = 0;
const started = performance.now();
for (let i = 0; i < IDS; i += 1) {
  const r = renderPartner(platform, { partnerId: randomId(MAX_PARTNER_ID_LENGTH), accountId: account(), externalId: externalId(), sshKeys: [], feeds: ['price-lists', 'parts-catalogs', 'compliance'] });
  session = Math.max(session, policySize(r.transferUser.Policy));
  trust = Math.max(trust, policySize(r.partnerRole!.trustPolicy));
  inline = Math.max(inline, policySize(r.partnerRole!.policies.map((x) => x.document)));
  sidePolicy = Math.max(sidePolicy, policySize(r.partnerSidePolicy!));
}
const renderMs = (performance.now() - started) / IDS;

// The isolation check, as CI runs it, for 100 partners.
const checkStarted = performance.now();
const check = spawnSync(process.execPath, ['--import', 'tsx', 'tools/isolation/check-isolation.ts', '--partners', '100', '--json'], { encoding: 'utf8', maxBuffer: 256 * 2 ** 20 });
const checkSeconds = (performance.now() - checkStarted) / 1000;
let matrix: { ok?: boolean; cells?: number; elapsedMs?: number; workers?: number } = {};
try {
  matrix = JSON.parse(check.stdout) as typeof matrix;
} catch {
  process.stderr.write(`check-isolation printed no JSON (exit ${check.status}): ${check.stderr.slice(0, 500)}\n`);
}

report('policy-scale', {
  limits: POLICY_SIZE_LIMITS,
  resourcePoliciesByPartnerCount: resource,
  constant: Object.values(resource).every((r) => r.distinctBucketPolicies === 1 && r.distinctKeyPolicies === 1),
  underLimits: Object.values(resource).every((r) => r.bucketPolicy < POLICY_SIZE_LIMITS.bucketPolicy && r.kmsKeyPolicy < POLICY_SIZE_LIMITS.kmsKeyPolicy),
  perPartnerMax: {
    ids: `${IDS} random valid ids of ${MAX_PARTNER_ID_LENGTH} characters, with an account and every feed`,
    transferSessionPolicy: session, trustPolicy: trust, roleInlinePolicies: inline, partnerSidePolicy: sidePolicy,
    headroomSessionPolicy: POLICY_SIZE_LIMITS.transferSessionPolicy - session,
  },
  renderMsPerPartner: round(renderMs, 3),
  isolationCheck100: {
    wallSeconds: round(checkSeconds, 1), evaluationSeconds: round((matrix.elapsedMs ?? Number.NaN) / 1000, 1), ok: matrix.ok ?? false,
    cells: matrix.cells ?? null, exitCode: check.status, command: 'tsx tools/isolation/check-isolation.ts --partners 100 --json',
  },
});
