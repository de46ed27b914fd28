/**
 * AWS IAM Access Analyzer, AWS's own reasoning engine over policies: the production check of the
 * rendered documents, before provisioning applies them and after. One command per function,
 * client first; SDK exceptions become AwsError (throttling and 5xx retryable, the rest not).
 */
import {
  CheckAccessNotGrantedCommand,
  CheckNoPublicAccessCommand,
  ValidatePolicyCommand,
  type AccessAnalyzerClient,
  type AccessCheckPolicyType,
  type AccessCheckResourceType,
  type ReasonSummary,
  type ValidatePolicyFinding,
  type ValidatePolicyResourceType,
} from '@aws-sdk/client-accessanalyzer';
import type { PlatformConfig } from './policies/platform.js';
import { CANARY_PREFIX } from '../domain/partner-id.js';
import type { PolicyDocument, RenderedPartner } from './policies/index.js';
import { call } from './aws-error.js';

export type PolicyKind = 'IDENTITY_POLICY' | 'RESOURCE_POLICY';

export interface CheckResult {
  passed: boolean;
  message: string | undefined;
  /** Which statements made the check fail, as Access Analyzer explains it. */
  reasons: ReasonSummary[];
}

/** ValidatePolicy: grammar errors, security warnings, warnings and suggestions (all pages). */
export async function validatePolicy(
  client: AccessAnalyzerClient,
  input: { document: PolicyDocument; policyType: PolicyKind; resourceType?: ValidatePolicyResourceType },
): Promise<ValidatePolicyFinding[]> {
  const findings: ValidatePolicyFinding[] = [];
  let nextToken: string | undefined;
  do {
    const page = await call('access-analyzer', 'ValidatePolicy', () =>
      client.send(
        new ValidatePolicyCommand({
          policyDocument: JSON.stringify(input.document),
          policyType: input.policyType,
          ...(input.resourceType ? { validatePolicyResourceType: input.resourceType } : {}),
          ...(nextToken ? { nextToken } : {}),
        }),
      ),
    );
    findings.push(...(page.findings ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return findings;
}

/** CheckAccessNotGranted: passes when the policy allows none of `actions` on any of `resources`. */
export async function checkAccessNotGranted(
  client: AccessAnalyzerClient,
  input: { document: PolicyDocument; policyType: AccessCheckPolicyType; actions: string[]; resources: string[] },
): Promise<CheckResult> {
  const r = await call('access-analyzer', 'CheckAccessNotGranted', () =>
    client.send(
      new CheckAccessNotGrantedCommand({
        policyDocument: JSON.stringify(input.document),
        policyType: input.policyType,
        access: [{ actions: input.actions, resources: input.resources }],
      }),
    ),
  );
  return { passed: r.result === 'PASS', message: r.message, reasons: r.reasons ?? [] };
}

/** CheckNoPublicAccess: passes when the resource policy grants nothing to the public. */
export async function checkNoPublicAccess(
  client: AccessAnalyzerClient,
  input: { document: PolicyDocument; resourceType: AccessCheckResourceType },
): Promise<CheckResult> {
  const r = await call('access-analyzer', 'CheckNoPublicAccess', () =>
    client.send(
      new CheckNoPublicAccessCommand({ policyDocument: JSON.stringify(input.document), resourceType: input.resourceType }),
    ),
  );
  return { passed: r.result === 'PASS', message: r.message, reasons: r.reasons ?? [] };
}

export type FindingSeverity = 'error' | 'security-warning' | 'warning' | 'suggestion';

export interface AnalyzerFinding {
  /** Which rendered document, e.g. "transferUser.Policy", "partnerRole.trustPolicy". */
  document: string;
  check: 'ValidatePolicy' | 'CheckAccessNotGranted' | 'CheckNoPublicAccess';
  severity: FindingSeverity;
  /** Access Analyzer's issue code, or the name of our check ("neighbour-prefixes", "public-access", …). */
  code: string;
  message: string;
}

/** Findings that must stop provisioning (and fail verification). */
export function isBlocking(f: AnalyzerFinding): boolean {
  return f.severity === 'error' || f.severity === 'security-warning';
}

/** The blocking findings as one line each, for a step's failure or a verification check. */
export function analyzerProblems(findings: AnalyzerFinding[]): string[] {
  return findings.filter(isBlocking).map((f) => `${f.document}: ${f.check} ${f.code}: ${f.message}`);
}

const SEVERITY: Record<string, FindingSeverity> = {
  ERROR: 'error',
  SECURITY_WARNING: 'security-warning',
  WARNING: 'warning',
  SUGGESTION: 'suggestion',
};

/** Object actions a partner must never have outside its own prefix. */
const OBJECT_ACTIONS = ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject', 's3:DeleteObject', 's3:DeleteObjectVersion'];

/**
 * Resources a partner's documents must grant nothing on. Neighbours are stood in for by the ids that
 * the classic mistakes reach: the id with something appended (`acme` → `acme-corp`, `acme0`) and
 * the id without the slash. ListBucket's s3:prefix conditions are outside what this API checks;
 * the offline matrix and the live probes cover listing.
 */
export function forbiddenResources(platform: PlatformConfig, partnerId: string): Record<string, string[]> {
  const objects = (prefix: string) => `arn:${platform.partition}:s3:::${platform.bucket}/${prefix}`;
  return {
    'neighbour-prefixes': [
      objects(`partners/${partnerId}-corp/prices.csv`),
      objects(`partners/${partnerId}0/prices.csv`),
      objects(`partners/${partnerId}`),
      objects('partners/prices.csv'),
    ],
    'canary-prefix': [objects(`${CANARY_PREFIX}canary.txt`)],
    'outbound-prefix': [objects(`${platform.outboundPrefix}${partnerId}/prices.csv`), objects(`${platform.outboundPrefix}feeds/prices.csv`)],
  };
}

/**
 * All Access Analyzer checks of one partner's rendered documents, in sequence (the APIs have low
 * rate quotas): ValidatePolicy on every document, CheckAccessNotGranted on the partner's session
 * policy and role permissions for neighbour, canary and outbound prefixes, CheckNoPublicAccess on
 * the bucket policy, the key policy and the partner role's trust. Returns every finding; an empty
 * list means all passed. Callers stop on `isBlocking`.
 */
export async function checkPartnerDocuments(
  client: AccessAnalyzerClient,
  platform: PlatformConfig,
  rendered: RenderedPartner,
): Promise<AnalyzerFinding[]> {
  const findings: AnalyzerFinding[] = [];
  const identity: Array<[string, PolicyDocument]> = [['transferUser.Policy', rendered.transferUser.Policy]];
  for (const p of rendered.partnerRole?.policies ?? []) identity.push([`partnerRole.policies.${p.name}`, p.document]);

  type Validation = [string, PolicyDocument, PolicyKind, ValidatePolicyResourceType?];
  const trust: ValidatePolicyResourceType = 'AWS::IAM::AssumeRolePolicyDocument';
  const validate: Validation[] = [
    ...identity.map(([name, doc]): Validation => [name, doc, 'IDENTITY_POLICY']),
    ['transferRole.trustPolicy', rendered.transferRole.trustPolicy, 'RESOURCE_POLICY', trust],
    ...rendered.transferRole.policies.map((p): Validation => [`transferRole.policies.${p.name}`, p.document, 'IDENTITY_POLICY']),
    ['bucketPolicy', rendered.bucketPolicy, 'RESOURCE_POLICY', 'AWS::S3::Bucket'],
    ['kmsKeyPolicy', rendered.kmsKeyPolicy, 'RESOURCE_POLICY'],
  ];
  if (rendered.partnerRole) validate.push(['partnerRole.trustPolicy', rendered.partnerRole.trustPolicy, 'RESOURCE_POLICY', trust]);
  if (rendered.partnerSidePolicy) validate.push(['partnerSidePolicy', rendered.partnerSidePolicy, 'IDENTITY_POLICY']);
  for (const [name, document, policyType, resourceType] of validate) {
    for (const f of await validatePolicy(client, { document, policyType, ...(resourceType ? { resourceType } : {}) })) {
      findings.push({
        document: name,
        check: 'ValidatePolicy',
        severity: SEVERITY[f.findingType ?? ''] ?? 'error',
        code: f.issueCode ?? 'UNKNOWN',
        message: f.findingDetails ?? '',
      });
    }
  }

  for (const [name, document] of identity) {
    for (const [code, resources] of Object.entries(forbiddenResources(platform, rendered.partnerId))) {
      const r = await checkAccessNotGranted(client, { document, policyType: 'IDENTITY_POLICY', actions: OBJECT_ACTIONS, resources });
      if (!r.passed) findings.push(failed(name, 'CheckAccessNotGranted', code, r));
    }
  }

  const publicChecks: Array<[string, PolicyDocument, AccessCheckResourceType]> = [
    ['bucketPolicy', rendered.bucketPolicy, 'AWS::S3::Bucket'],
    ['kmsKeyPolicy', rendered.kmsKeyPolicy, 'AWS::KMS::Key'],
  ];
  if (rendered.partnerRole) publicChecks.push(['partnerRole.trustPolicy', rendered.partnerRole.trustPolicy, 'AWS::IAM::AssumeRolePolicyDocument']);
  for (const [name, document, resourceType] of publicChecks) {
    const r = await checkNoPublicAccess(client, { document, resourceType });
    if (!r.passed) findings.push(failed(name, 'CheckNoPublicAccess', 'public-access', r));
  }
  return findings;
}

function failed(document: string, check: AnalyzerFinding['check'], code: string, r: CheckResult): AnalyzerFinding {
  const why = r.reasons.map((x) => [x.statementId, x.description].filter(Boolean).join(': ')).filter(Boolean).join('; ');
  return { document, check, severity: 'error', code, message: [r.message, why].filter(Boolean).join(' — ') || `${check} failed` };
}
