/**
 * The isolation matrix: every principal × every relevant action × every resource, with the request
 * context each action really carries, and what we expect (own prefix readable, everything else
 * denied; the bot's escalation attempts denied). Cells are evaluated with the offline engine
 * (iam-engine.ts). Used by `npm run check-isolation` (check-isolation.ts) and the policy tests.
 */
import type { PlatformConfig } from '../../src/aws/policies/platform.js';
import { CANARY_PREFIX } from '../../src/domain/partner-id.js';
import {
  botRunsAsRoleArn,
  identityPolicies,
  renderPartner,
  renderPlatform,
  type NamedPolicy,
  type PartnerSpec,
  type PolicyDocument,
  type RenderedPartner,
  type RenderedPlatform,
} from '../../src/aws/policies/index.js';
import { addMutationCells, ADMINISTRATOR_ACCESS, type MutationCase, type MutationPlan, type PathCheck } from './mutations.js';
import { IamEngine, type ContextValues, type Decision, type LoadedDocuments, type SimDocuments, type SimRequest } from './iam-engine.js';

export const UNRELATED_ACCOUNT = '999988887777';
const OTHER_BUCKET = 'partnergate-other-bucket';
const OTHER_SERVER = 's-fedcba9876543210f';

/** What the engine does not model, and how each gap is covered instead. */
export const NOT_MODELLED: readonly string[] = [
  'Transfer Family itself (the LOGICAL home mapping, SFTP path handling): the engine evaluates the Transfer role intersected with each session policy, which alone confines the user in IAM; the mapping is Transfer\'s own layer, which the single-change cases model as AWS documents it (a path that traverses the logical root is refused, every other maps under its target: transfer-paths.ts) and check path by path; the live SFTP probe runs when TRANSFER_HOST is set.',
  'What a ListBucket answer contains: the engine authorizes the request, it does not list keys. The trailing "/" in every prefix condition is what keeps `acme` from `acme-corp/`; unit and property tests pin it, and the live probe lists `partners/<id>` without the slash and expects AccessDenied.',
  'Role chaining and session issuance: each hop (partner account → partner role, bot → verifier → partner role; with BotRunsAsRole, the role the bot runs as → bot) is a separate cell; the request context (aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalTag from the role\'s tags) is supplied as AWS would set it, not derived by the engine. A session tag would override the role\'s partner tag: no trust of ours allows sts:TagSession (the TagSession cells), which a session tag, and a transitive one from a chain, needs.',
  'Policy variables: the engine substitutes ${aws:PrincipalTag/partnergate:partner-id} from the request context as AWS does; with no value the statement does not apply (the bucket policy refuses an untagged role with a Null condition instead). Whether AWS expands a `*` that a variable brings in is not documented: the "partner tag set to *" case evaluates the worse reading.',
  'The aws:SourceArn ECS presents when it assumes a task role: AWS documents only arn:<partition>:ecs:<region>:<account>:* for it, and that naming a cluster is not supported; the cells pass a task ARN, which that pattern matches whatever form ECS uses. Who may run a task as the bot (iam:PassRole on the bot role, ecs:RunTask) is the account\'s own policies, not ours, and is not evaluated.',
  'iam:PermissionsBoundary on an existing role: the engine reads the condition key from the request; that a created role really carries the boundary is checked by verification (GetRole) after provisioning.',
  'KMS encryption context and Bucket Keys: kms:EncryptionContext keys are dropped by the engine, and no document relies on them; KMS cannot tell partners apart, so isolation is S3 permissions plus kms:ViaService.',
  'S3 Block Public Access, Object Ownership, default encryption and ACLs: bucket settings, not policies; the platform template sets them, the platform check compares them with the rendering, and Access Analyzer CheckNoPublicAccess (production) covers them.',
  'Conditional writes: the engine evaluates s3:if-none-match, it does not derive it from a request; each audit cell passes it in its request context as S3 sets it from the If-None-Match header (or leaves it out, for a write without one).',
  'S3 Object Lock and lifecycle rules: bucket settings the engine does not evaluate (a lock refuses a delete whatever IAM allows; a lifecycle rule removes versions without an IAM request); the platform template tests pin them (no expiry rule reaches audit/, Object Lock without a default retention) and `partnergate audit --verify` shows what is missing or changed.',
  'SCPs and RCPs of any AWS Organization (ours or a partner\'s): they can only take rights away; none are assumed.',
  'Eventual consistency of IAM: verification waits TRANSFER_SETTLE_SECONDS and probes live.',
];

export type Expectation = 'allow' | 'deny';

export interface Cell {
  /** Principal label, e.g. "acme SFTP session". */
  principal: string;
  /** Principal kind, for the summary table. */
  kind: string;
  /** Resource class, for the summary table: own, neighbour, no-slash, canary, … */
  category: string;
  /** What is asked for, in words. */
  what: string;
  expected: Expectation;
  request: SimRequest;
  /** Which documents apply: the principal's, and the resource policy (bucket, key or a trust). */
  docsKey: string;
  /** The mutation case the cell belongs to (mutations.ts), if any. */
  mutation?: string;
}

export interface CellResult extends Cell {
  decision: Decision;
  ok: boolean;
}

export interface Scenario {
  platform: PlatformConfig;
  platformDocs: RenderedPlatform;
  partners: RenderedPartner[];
  specs: PartnerSpec[];
}

export function buildScenario(platform: PlatformConfig, specs: PartnerSpec[]): Scenario {
  return { platform, platformDocs: renderPlatform(platform), partners: specs.map((s) => renderPartner(platform, s)), specs };
}

/** The named partners every run includes: ids that are prefixes of one another, with and without accounts. */
export function scenarioSpecs(count: number, externalId: (id: string) => string): PartnerSpec[] {
  const named: Array<[string, string | undefined]> = [
    ['acme', '400000000001'],
    ['acme-corp', undefined],
    ['acme-corp-eu', '400000000003'],
    ['globex', '400000000004'],
    ['initech', undefined],
    ['umbrella-ltd', '400000000006'],
    ['a1b', undefined],
    ['a1b2', '400000000008'],
  ];
  const ids: Array<[string, string | undefined]> = [...named];
  for (let i = 1; ids.length < count; i++) {
    ids.push([`acme-${i}`, i % 2 === 0 ? `41${String(i).padStart(10, '0')}` : undefined]);
  }
  return ids.slice(0, Math.max(count, 5)).map(([partnerId, accountId]) => ({
    partnerId,
    ...(accountId ? { accountId } : {}),
    externalId: externalId(partnerId),
    sshKeys: [],
    feeds: ['price-lists'],
  }));
}

export interface Principal {
  label: string;
  kind: string;
  arn: string;
  /** aws:PrincipalArn (the role for a session) and aws:PrincipalAccount; absent for a service. */
  principalArn?: string;
  account?: string;
  identity: NamedPolicy[];
  session?: PolicyDocument;
  boundary?: PolicyDocument;
  /** The role's tags, as AWS puts them in the request context of its sessions (aws:PrincipalTag/<key>). */
  tags?: Record<string, string>;
  /** Resource policies as a mutation case changed them, instead of the rendered ones (by role ARN for trusts). */
  resources?: { bucket?: PolicyDocument; trust?: Record<string, PolicyDocument> };
  /** The mutation case (mutations.ts) whose cells this principal's are. */
  mutation?: string;
}

export type Add = (
  who: Principal,
  category: string,
  expected: Expectation,
  action: string,
  resource: string,
  what: string,
  context?: ContextValues,
  resourceAccount?: string,
) => void;

const ADMIN: NamedPolicy = ADMINISTRATOR_ACCESS;

/** Builds every cell of the matrix for a scenario. Deterministic: the same scenario, the same order. */
export function buildCells(s: Scenario): {
  cells: Cell[];
  documents: Map<string, { docs: SimDocuments; trust: boolean }>;
  mutations: MutationPlan | null;
} {
  const p = s.platform;
  const A = p.accountId;
  const bucket = `arn:${p.partition}:s3:::${p.bucket}`;
  const obj = (key: string) => `${bucket}/${key}`;
  const via = `s3.${p.region}.amazonaws.com`;
  const pd = s.platformDocs;
  const boundary = pd.permissionsBoundary.policies[0]!.document;
  const session = (role: string, name: string) => `arn:${p.partition}:sts::${A}:assumed-role/${role}/${name}`;
  const roleName = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);
  const withRole = s.partners.filter((r) => r.partnerRole !== null);
  const trustOf = new Map<string, PolicyDocument>([
    [pd.transferRole.arn, pd.transferRole.trustPolicy],
    [pd.verifierRole.arn, pd.verifierRole.trustPolicy],
    [pd.botRole.arn, pd.botRole.trustPolicy],
    ...withRole.map((r) => [r.partnerRole!.arn, r.partnerRole!.trustPolicy] as [string, PolicyDocument]),
  ]);
  const specOf = new Map(s.specs.map((spec) => [spec.partnerId, spec]));

  const cells: Cell[] = [];
  const documents = new Map<string, { docs: SimDocuments; trust: boolean }>();

  type Target = 'bucket' | 'key' | 'none' | { trust: string };
  const docsFor = (who: Principal, target: Target): string => {
    const key = `${who.label}|${typeof target === 'string' ? target : `trust:${target.trust}`}`;
    if (!documents.has(key)) {
      const resource =
        target === 'bucket' ? (who.resources?.bucket ?? pd.bucketPolicy)
          : target === 'key' ? pd.kmsKeyPolicy
            : target === 'none' ? undefined
              : (who.resources?.trust?.[target.trust] ?? trustOf.get(target.trust));
      documents.set(key, {
        trust: typeof target !== 'string',
        docs: {
          identity: who.identity,
          ...(who.session ? { session: who.session } : {}),
          ...(who.boundary ? { boundary: who.boundary } : {}),
          ...(resource ? { resource } : {}),
        },
      });
    }
    return key;
  };
  const baseContext = (who: Principal): ContextValues => ({
    'aws:SecureTransport': 'true',
    ...(who.principalArn ? { 'aws:PrincipalArn': who.principalArn } : {}),
    ...(who.account ? { 'aws:PrincipalAccount': who.account } : {}),
    ...Object.fromEntries(Object.entries(who.tags ?? {}).map(([k, v]) => [`aws:PrincipalTag/${k}`, v])),
  });
  const add: Add = (who, category, expected, action, resource, what, context = {}, resourceAccount = A) => {
    const target: Target = action.startsWith('s3:') && resource.startsWith(bucket) ? 'bucket'
      : action.startsWith('kms:') && resource === p.kmsKeyArn ? 'key'
        : action.startsWith('sts:') && trustOf.has(resource) ? { trust: resource }
          : 'none';
    cells.push({
      principal: who.label,
      kind: who.kind,
      category,
      what,
      expected,
      request: { principal: who.arn, action, resource, resourceAccount, context: { ...baseContext(who), ...context } },
      docsKey: docsFor(who, target),
      ...(who.mutation ? { mutation: who.mutation } : {}),
    });
  };

  // What each partner principal may and may not do on S3 and KMS.
  const partnerReads = (who: Principal, id: string) => {
    const own = `partners/${id}/`;
    const list = (prefix: string | undefined, delimiter?: string) => ({
      ...(prefix !== undefined ? { 's3:prefix': prefix } : {}),
      ...(delimiter !== undefined ? { 's3:delimiter': delimiter } : {}),
    });
    add(who, 'own prefix', 'allow', 's3:GetObject', obj(`${own}feeds/price-lists/2024-06.csv`), `GetObject ${own}feeds/price-lists/2024-06.csv`);
    add(who, 'own prefix', 'allow', 's3:GetObjectVersion', obj(`${own}prices.csv`), `GetObjectVersion ${own}prices.csv`);
    add(who, 'own prefix', 'allow', 's3:GetObject', obj(own), `GetObject ${own} (home marker)`);
    add(who, 'own prefix', 'allow', 's3:ListBucket', bucket, `ListBucket prefix=${own} delimiter=/`, list(own, '/'));
    add(who, 'own prefix', 'allow', 's3:ListBucket', bucket, `ListBucket prefix=${own}`, list(own));
    add(who, 'own prefix', 'allow', 's3:ListBucket', bucket, `ListBucket prefix=${own}feeds/ delimiter=/`, list(`${own}feeds/`, '/'));
    add(who, 'key', 'allow', 'kms:Decrypt', p.kmsKeyArn, 'kms:Decrypt through S3', { 'kms:ViaService': via });
    add(who, 'own prefix, write', 'deny', 's3:PutObject', obj(`${own}upload.csv`), `PutObject ${own}upload.csv`);
    add(who, 'own prefix, write', 'deny', 's3:PutObject', obj(`${own}copy.csv`), `CopyObject ${own}prices.csv → ${own}copy.csv`, {
      's3:x-amz-copy-source': `${p.bucket}/${own}prices.csv`,
    });
    add(who, 'own prefix, write', 'deny', 's3:DeleteObject', obj(`${own}prices.csv`), `DeleteObject ${own}prices.csv`);
    add(who, 'plain HTTP', 'deny', 's3:GetObject', obj(`${own}prices.csv`), `GetObject ${own}prices.csv without TLS`, { 'aws:SecureTransport': 'false' });
    add(who, 'plain HTTP', 'deny', 's3:ListBucket', bucket, `ListBucket prefix=${own} without TLS`, { ...list(own, '/'), 'aws:SecureTransport': 'false' });
    add(who, 'no slash', 'deny', 's3:ListBucket', bucket, `ListBucket prefix=partners/${id}`, list(`partners/${id}`));
    add(who, 'no slash', 'deny', 's3:ListBucket', bucket, `ListBucket prefix=partners/${id} delimiter=/`, list(`partners/${id}`, '/'));
    add(who, 'no slash', 'deny', 's3:GetObject', obj(`partners/${id}`), `GetObject partners/${id}`);
    add(who, 'bucket root', 'deny', 's3:ListBucket', bucket, 'ListBucket without a prefix', list(undefined));
    add(who, 'bucket root', 'deny', 's3:ListBucket', bucket, 'ListBucket prefix="" delimiter=/', list('', '/'));
    add(who, 'bucket root', 'deny', 's3:ListBucket', bucket, 'ListBucket prefix=partners/ delimiter=/', list('partners/', '/'));
    add(who, 'bucket root', 'deny', 's3:GetObject', obj('README.txt'), 'GetObject README.txt');
    add(who, 'bucket root', 'deny', 's3:PutBucketPolicy', bucket, 'PutBucketPolicy');
    add(who, 'canary', 'deny', 's3:GetObject', obj(`${CANARY_PREFIX}canary.txt`), `GetObject ${CANARY_PREFIX}canary.txt`);
    add(who, 'canary', 'deny', 's3:ListBucket', bucket, `ListBucket prefix=${CANARY_PREFIX}`, list(CANARY_PREFIX, '/'));
    add(who, 'outbound', 'deny', 's3:GetObject', obj(`${p.outboundPrefix}${id}/prices.csv`), `GetObject ${p.outboundPrefix}${id}/prices.csv`);
    add(who, 'outbound', 'deny', 's3:GetObject', obj(`${p.outboundPrefix}feeds/price-lists/2024-06.csv`), `GetObject ${p.outboundPrefix}feeds/price-lists/2024-06.csv`);
    add(who, 'outbound', 'deny', 's3:ListBucket', bucket, `ListBucket prefix=${p.outboundPrefix}`, list(p.outboundPrefix, '/'));
    add(who, 'other bucket', 'deny', 's3:GetObject', `arn:${p.partition}:s3:::${OTHER_BUCKET}/${own}prices.csv`, `GetObject s3://${OTHER_BUCKET}/${own}prices.csv`, {}, UNRELATED_ACCOUNT);
    add(who, 'key', 'deny', 'kms:Decrypt', p.kmsKeyArn, 'kms:Decrypt called directly');
    add(who, 'key', 'deny', 'kms:Decrypt', p.kmsKeyArn, 'kms:Decrypt through another service', { 'kms:ViaService': `ec2.${p.region}.amazonaws.com` });
    add(who, 'key', 'deny', 'kms:GenerateDataKey', p.kmsKeyArn, 'kms:GenerateDataKey through S3', { 'kms:ViaService': via });
    for (const other of s.partners) {
      if (other.partnerId === id) continue;
      const prefix = `partners/${other.partnerId}/`;
      add(who, 'neighbour', 'deny', 's3:GetObject', obj(`${prefix}prices.csv`), `GetObject ${prefix}prices.csv`);
      add(who, 'neighbour', 'deny', 's3:ListBucket', bucket, `ListBucket prefix=${prefix} delimiter=/`, list(prefix, '/'));
    }
  };
  // Nothing in IAM or STS for a partner principal: no role of ours, no way to widen its own rights.
  const partnerCannotEscalate = (who: Principal, id: string) => {
    const neighbour = withRole.find((r) => r.partnerId !== id);
    for (const arn of [pd.transferRole.arn, pd.verifierRole.arn, pd.botRole.arn, ...(neighbour ? [neighbour.partnerRole!.arn] : [])]) {
      const ext: ContextValues =
        neighbour && arn === neighbour.partnerRole!.arn ? { 'sts:ExternalId': specOf.get(neighbour.partnerId)!.externalId } : {};
      add(who, 'other roles', 'deny', 'sts:AssumeRole', arn, `AssumeRole ${roleName(arn)}`, ext);
    }
    add(who, 'other roles', 'deny', 'iam:PassRole', pd.transferRole.arn, 'PassRole the Transfer role', { 'iam:PassedToService': 'transfer.amazonaws.com' });
    const ownRole = s.partners.find((r) => r.partnerId === id)?.partnerRole;
    const target = ownRole?.arn ?? `arn:${p.partition}:iam::${A}:role/partnergate/partners/partnergate-partner-${id}`;
    add(who, 'other roles', 'deny', 'iam:PutRolePolicy', target, 'PutRolePolicy on its own role', { 'iam:PermissionsBoundary': p.permissionsBoundaryArn });
  };

  for (const r of s.partners) {
    const id = r.partnerId;
    const sftp: Principal = {
      label: `${id} SFTP session`, kind: 'partner SFTP session',
      arn: session(roleName(pd.transferRole.arn), id), principalArn: pd.transferRole.arn, account: A,
      identity: identityPolicies(pd.transferRole), session: r.transferUser.Policy,
    };
    partnerReads(sftp, id);
    partnerCannotEscalate(sftp, id);
    if (!r.partnerRole) continue;
    const role = r.partnerRole;
    const roleSession: Principal = {
      label: `${id} role session`, kind: 'partner role session',
      arn: session(role.roleName, `${id}-pull`), principalArn: role.arn, account: A,
      identity: role.policies, boundary, tags: role.tags,
    };
    partnerReads(roleSession, id);
    partnerCannotEscalate(roleSession, id);

    const account = specOf.get(id)!.accountId!;
    const ext = specOf.get(id)!.externalId;
    const reader: Principal = {
      label: `${id} account reader`, kind: 'partner account, partner-side policy',
      arn: `arn:${p.partition}:iam::${account}:role/partnergate-reader`, principalArn: `arn:${p.partition}:iam::${account}:role/partnergate-reader`, account,
      identity: [{ name: 'partner-side', document: r.partnerSidePolicy! }],
    };
    add(reader, 'own role', 'allow', 'sts:AssumeRole', role.arn, `AssumeRole ${role.roleName} with its ExternalId`, { 'sts:ExternalId': ext });
    const admin: Principal = {
      label: `${id} account admin`, kind: 'partner account admin',
      arn: `arn:${p.partition}:iam::${account}:role/admin`, principalArn: `arn:${p.partition}:iam::${account}:role/admin`, account,
      identity: [ADMIN],
    };
    add(admin, 'own role', 'allow', 'sts:AssumeRole', role.arn, `AssumeRole ${role.roleName} with its ExternalId`, { 'sts:ExternalId': ext });
    add(admin, 'own role', 'deny', 'sts:AssumeRole', role.arn, `AssumeRole ${role.roleName} without an ExternalId`);
    add(admin, 'own role', 'deny', 'sts:AssumeRole', role.arn, `AssumeRole ${role.roleName} with another ExternalId`, { 'sts:ExternalId': `${ext.slice(0, -1)}!` });
    add(admin, 'own role', 'deny', 'sts:TagSession', role.arn, `TagSession on ${role.roleName}`);
    for (const other of withRole) {
      if (other.partnerId === id) continue;
      add(admin, 'neighbour', 'deny', 'sts:AssumeRole', other.partnerRole!.arn, `AssumeRole ${other.partnerRole!.roleName} with its ExternalId`, {
        'sts:ExternalId': specOf.get(other.partnerId)!.externalId,
      });
    }
    for (const arn of [pd.transferRole.arn, pd.verifierRole.arn, pd.botRole.arn]) {
      add(admin, 'other roles', 'deny', 'sts:AssumeRole', arn, `AssumeRole ${roleName(arn)}`);
    }
    add(admin, 'own prefix', 'deny', 's3:GetObject', obj(`partners/${id}/prices.csv`), `GetObject partners/${id}/prices.csv with its own credentials`);
    add(admin, 'own prefix', 'deny', 's3:ListBucket', bucket, `ListBucket prefix=partners/${id}/ with its own credentials`, { 's3:prefix': `partners/${id}/` });
    add(admin, 'key', 'deny', 'kms:Decrypt', p.kmsKeyArn, 'kms:Decrypt through S3 with its own credentials', { 'kms:ViaService': via });
  }

  // Someone with no business here, even holding a partner's ExternalId.
  const stranger: Principal = {
    label: 'unrelated account admin', kind: 'unrelated account',
    arn: `arn:${p.partition}:iam::${UNRELATED_ACCOUNT}:role/admin`, principalArn: `arn:${p.partition}:iam::${UNRELATED_ACCOUNT}:role/admin`,
    account: UNRELATED_ACCOUNT, identity: [ADMIN],
  };
  for (const r of s.partners) {
    if (r.partnerRole) {
      add(stranger, 'partner roles', 'deny', 'sts:AssumeRole', r.partnerRole.arn, `AssumeRole ${r.partnerRole.roleName} with its ExternalId`, {
        'sts:ExternalId': specOf.get(r.partnerId)!.externalId,
      });
    }
    add(stranger, 'partner prefixes', 'deny', 's3:GetObject', obj(`partners/${r.partnerId}/prices.csv`), `GetObject partners/${r.partnerId}/prices.csv`);
  }
  add(stranger, 'partner prefixes', 'deny', 's3:ListBucket', bucket, 'ListBucket prefix=partners/', { 's3:prefix': 'partners/' });
  for (const arn of [pd.transferRole.arn, pd.verifierRole.arn, pd.botRole.arn]) {
    add(stranger, 'platform roles', 'deny', 'sts:AssumeRole', arn, `AssumeRole ${roleName(arn)}`);
  }
  add(stranger, 'key', 'deny', 'kms:Decrypt', p.kmsKeyArn, 'kms:Decrypt through S3', { 'kms:ViaService': via });

  addTransferServiceCells(s, add);
  addBotTrustCells(s, add);
  addVerifierCells(s, add, withRole);
  addBotCells(s, add, withRole);
  const mutations = addMutationCells(s, add, session);
  return { cells, documents, mutations };
}

/** The Transfer service may assume the Transfer role for this account's platform server only. */
function addTransferServiceCells(s: Scenario, add: Add): void {
  const p = s.platform;
  const transfer: Principal = { label: 'transfer.amazonaws.com', kind: 'Transfer service', arn: 'transfer.amazonaws.com', identity: [] };
  const user = (server: string, account = p.accountId) => `arn:${p.partition}:transfer:${p.region}:${account}:user/${server}/acme`;
  const role = s.platformDocs.transferRole.arn;
  const assume = (expected: Expectation, what: string, context: ContextValues) =>
    add(transfer, 'Transfer role', expected, 'sts:AssumeRole', role, what, context);
  assume('allow', 'AssumeRole for a user of the platform server', { 'aws:SourceAccount': p.accountId, 'aws:SourceArn': user(p.transferServerId) });
  assume('allow', 'AssumeRole for the platform server', { 'aws:SourceAccount': p.accountId, 'aws:SourceArn': p.transferServerArn });
  assume('deny', 'AssumeRole for a user of another server', { 'aws:SourceAccount': p.accountId, 'aws:SourceArn': user(OTHER_SERVER) });
  assume('deny', 'AssumeRole for another account', { 'aws:SourceAccount': UNRELATED_ACCOUNT, 'aws:SourceArn': user(p.transferServerId, UNRELATED_ACCOUNT) });
  assume('deny', 'AssumeRole without a source', {});
  const partnerRole = s.partners.find((r) => r.partnerRole)?.partnerRole;
  if (partnerRole) {
    add(transfer, 'partner roles', 'deny', 'sts:AssumeRole', partnerRole.arn, `AssumeRole ${partnerRole.roleName}`, {
      'aws:SourceAccount': p.accountId, 'aws:SourceArn': user(p.transferServerId),
    });
  }
}

/** The ECS cluster of the matrix's bot, and another cluster of the same account. */
export const BOT_CLUSTER = 'partnergate';
export const OTHER_CLUSTER = 'another-team';

/**
 * Who may become the bot. As an ECS task: the ECS tasks service, for a task of this account in this
 * region; a task of another cluster of the account is allowed too — ECS cannot narrow a task role's
 * trust to one cluster (bot-role.ts) — and the cells say so, so that a trust naming a cluster cannot
 * pass here unnoticed. Running as a named role (botRunsAsRole): that role alone, and no ECS task.
 * Either way no other role of the account, however broad its own policy, may assume the bot role.
 */
function addBotTrustCells(s: Scenario, add: Add): void {
  const p = s.platform;
  const A = p.accountId;
  const bot = s.platformDocs.botRole.arn;
  const runsAs = botRunsAsRoleArn(p);
  const viaEcs: Expectation = runsAs === undefined ? 'allow' : 'deny';
  const ecs: Principal = { label: 'ecs-tasks.amazonaws.com', kind: 'ECS tasks service', arn: 'ecs-tasks.amazonaws.com', identity: [] };
  const task = (cluster: string, account = A, region = p.region) => ({
    'aws:SourceAccount': account,
    'aws:SourceArn': `arn:${p.partition}:ecs:${region}:${account}:task/${cluster}/0123456789abcdef0123456789abcdef`,
  });
  const otherRegion = p.region === 'us-east-1' ? 'us-west-2' : 'us-east-1';
  add(ecs, 'bot role', viaEcs, 'sts:AssumeRole', bot, `AssumeRole for a task of the bot's cluster (${BOT_CLUSTER})`, task(BOT_CLUSTER));
  add(ecs, runsAs === undefined ? 'bot role, any ECS task of the account' : 'bot role', viaEcs, 'sts:AssumeRole', bot,
    `AssumeRole for a task of another cluster of this account (${OTHER_CLUSTER})${runsAs === undefined ? ': ECS cannot narrow the trust to one cluster' : ''}`,
    task(OTHER_CLUSTER));
  add(ecs, 'bot role', 'deny', 'sts:AssumeRole', bot, `AssumeRole for a task of this account in another region (${otherRegion})`, task(BOT_CLUSTER, A, otherRegion));
  add(ecs, 'bot role', 'deny', 'sts:AssumeRole', bot, 'AssumeRole for a task of another account', task(BOT_CLUSTER, UNRELATED_ACCOUNT));
  add(ecs, 'bot role', 'deny', 'sts:AssumeRole', bot, 'AssumeRole without a source', {});
  const role = (label: string, kind: string, arn: string, account: string, identity: NamedPolicy[]): Principal => ({
    label, kind, arn: `arn:${p.partition}:sts::${account}:assumed-role/${arn.slice(arn.lastIndexOf('/') + 1)}/bot`, principalArn: arn, account, identity,
  });
  const admin = role('another role of the account', 'another role of the account (Allow *)', `arn:${p.partition}:iam::${A}:role/admin`, A, [ADMIN]);
  add(admin, 'bot role', 'deny', 'sts:AssumeRole', bot, 'AssumeRole the bot role');
  if (runsAs !== undefined) {
    const assumeBot: NamedPolicy = {
      name: 'assume-the-bot-role',
      document: { Version: '2012-10-17', Statement: [{ Sid: 'AssumeTheBotRole', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: bot }] },
    };
    const host = role('the role the bot runs as', 'the role the bot runs as', runsAs, A, [assumeBot]);
    add(host, 'bot role', 'allow', 'sts:AssumeRole', bot, `AssumeRole the bot role from ${p.botRunsAsRole}`);
    const namesake = runsAs.replace(`:${A}:`, `:${UNRELATED_ACCOUNT}:`);
    const elsewhere = role('its namesake in another account', 'a role of the same name in another account (Allow *)', namesake, UNRELATED_ACCOUNT, [ADMIN]);
    add(elsewhere, 'bot role', 'deny', 'sts:AssumeRole', bot, 'AssumeRole the bot role');
  }
}

/** The verifier probes as each partner, reads the canary, and nothing else. */
function addVerifierCells(s: Scenario, add: Add, withRole: RenderedPartner[]): void {
  const p = s.platform;
  const pd = s.platformDocs;
  const bucket = `arn:${p.partition}:s3:::${p.bucket}`;
  const verifier: Principal = {
    label: 'verifier', kind: 'verifier',
    arn: `arn:${p.partition}:sts::${p.accountId}:assumed-role/${pd.verifierRole.roleName}/probe`,
    principalArn: pd.verifierRole.arn, account: p.accountId, identity: identityPolicies(pd.verifierRole),
  };
  for (const r of withRole) add(verifier, 'partner roles', 'allow', 'sts:AssumeRole', r.partnerRole!.arn, `AssumeRole ${r.partnerRole!.roleName}`);
  add(verifier, 'Transfer role', 'allow', 'sts:AssumeRole', pd.transferRole.arn, 'AssumeRole the Transfer role (with a session policy)');
  add(verifier, 'platform roles', 'deny', 'sts:AssumeRole', pd.botRole.arn, 'AssumeRole the bot role');
  add(verifier, 'canary', 'allow', 's3:GetObject', `${bucket}/${CANARY_PREFIX}canary.txt`, `GetObject ${CANARY_PREFIX}canary.txt`);
  add(verifier, 'key', 'allow', 'kms:Decrypt', p.kmsKeyArn, 'kms:Decrypt through S3', { 'kms:ViaService': `s3.${p.region}.amazonaws.com` });
  add(verifier, 'key', 'deny', 'kms:Decrypt', p.kmsKeyArn, 'kms:Decrypt called directly');
  add(verifier, 'key', 'deny', 'kms:GetKeyPolicy', p.kmsKeyArn, 'GetKeyPolicy (only the bot may read it)');
  add(verifier, 'canary', 'deny', 's3:PutObject', `${bucket}/${CANARY_PREFIX}canary.txt`, `PutObject ${CANARY_PREFIX}canary.txt`);
  const first = s.partners[0];
  if (first) add(verifier, 'partner prefixes', 'deny', 's3:GetObject', `${bucket}/partners/${first.partnerId}/prices.csv`, `GetObject partners/${first.partnerId}/prices.csv as itself`);
  add(verifier, 'outbound', 'deny', 's3:GetObject', `${bucket}/${p.outboundPrefix}x.csv`, `GetObject ${p.outboundPrefix}x.csv`);
  add(verifier, 'platform roles', 'deny', 'iam:PassRole', pd.transferRole.arn, 'PassRole the Transfer role', { 'iam:PassedToService': 'transfer.amazonaws.com' });
}

/**
 * What the bot needs, allowed; every way to widen its own rights or a partner's, denied. The bot is
 * evaluated twice: with its own policy, and with an AdministratorAccess-like `Allow *` attached by
 * mistake beside it. The guards (explicit Denies) must hold in both; what the bot is refused only
 * because its policy does not grant it (paths, other servers, outbound writes) is checked on its own
 * policy alone.
 */
function addBotCells(s: Scenario, add: Add, withRole: RenderedPartner[]): void {
  const p = s.platform;
  const pd = s.platformDocs;
  const A = p.accountId;
  const iam = `arn:${p.partition}:iam::${A}`;
  const bucket = `arn:${p.partition}:s3:::${p.bucket}`;
  const bot: Principal = {
    label: 'bot', kind: 'bot',
    arn: `arn:${p.partition}:sts::${A}:assumed-role/${pd.botRole.roleName}/worker`,
    principalArn: pd.botRole.arn, account: A, identity: identityPolicies(pd.botRole),
  };
  const botWithAdmin: Principal = { ...bot, label: 'bot + AdministratorAccess', kind: 'bot with an Allow * beside its policy', identity: [...identityPolicies(pd.botRole), ADMIN] };
  const boundary = { 'iam:PermissionsBoundary': p.permissionsBoundaryArn };
  const newRole = `${iam}:role/partnergate/partners/partnergate-partner-newco`;
  const partnerRole = withRole[0]?.partnerRole?.arn ?? newRole;
  const admin = `arn:${p.partition}:iam::aws:policy/AdministratorAccess`;
  const sse = 's3:x-amz-server-side-encryption';
  const kmsKey = 's3:x-amz-server-side-encryption-aws-kms-key-id';
  const via = { 'kms:ViaService': `s3.${p.region}.amazonaws.com` };
  const toTransfer = { 'iam:PassedToService': 'transfer.amazonaws.com' };

  for (const who of [bot, botWithAdmin]) {
    // Provisioning and delivery: allowed.
    const allow = (category: string, action: string, resource: string, what: string, context: ContextValues = {}) =>
      add(who, category, 'allow', action, resource, what, context);
    allow('provisioning', 'iam:CreateRole', newRole, 'CreateRole under the partner path with the boundary', boundary);
    allow('provisioning', 'iam:PutRolePolicy', partnerRole, 'PutRolePolicy on a partner role with the boundary', boundary);
    allow('provisioning', 'iam:UpdateAssumeRolePolicy', partnerRole, 'UpdateAssumeRolePolicy on a partner role with the boundary', boundary);
    allow('provisioning', 'iam:PassRole', pd.transferRole.arn, 'PassRole the Transfer role to Transfer', toTransfer);
    allow('provisioning', 'iam:TagRole', partnerRole, 'TagRole a partner role (its partner tag, at creation and when re-apply puts it back)', {
      'aws:TagKeys': ['partnergate:partner-id'], 'aws:RequestTag/partnergate:partner-id': 'acme',
    });
    allow('offboarding', 'iam:DetachRolePolicy', partnerRole, 'DetachRolePolicy of a managed policy someone attached to a partner role', { 'iam:PolicyARN': admin });
    allow('offboarding', 'iam:DeleteRole', partnerRole, 'DeleteRole of a partner role');
    allow('provisioning', 'transfer:CreateUser', p.transferServerArn, 'CreateUser on the platform server');
    allow('provisioning', 'transfer:ImportSshPublicKey', `arn:${p.partition}:transfer:${p.region}:${A}:user/${p.transferServerId}/acme`, 'ImportSshPublicKey for a platform user');
    allow('provisioning', 'sts:AssumeRole', pd.verifierRole.arn, 'AssumeRole the verifier');
    allow('delivery', 's3:GetObject', `${bucket}/${p.outboundPrefix}acme/prices.csv`, `GetObject ${p.outboundPrefix}acme/prices.csv`);
    allow('delivery', 's3:PutObject', `${bucket}/partners/acme/prices.csv`, 'PutObject partners/acme/prices.csv naming no encryption');
    allow('delivery', 's3:PutObject', `${bucket}/partners/acme/prices.csv`, 'PutObject naming the platform key', { [sse]: 'aws:kms', [kmsKey]: p.kmsKeyArn });
    allow('delivery', 'kms:GenerateDataKey', p.kmsKeyArn, 'kms:GenerateDataKey through S3', via);
    // The platform check: the documents every partner depends on, read.
    allow('platform check', 's3:GetBucketPolicy', bucket, 'GetBucketPolicy');
    allow('platform check', 'kms:GetKeyPolicy', p.kmsKeyArn, 'GetKeyPolicy called directly');
    allow('platform check', 's3:GetBucketPublicAccessBlock', bucket, 'GetBucketPublicAccessBlock');
    allow('platform check', 's3:GetBucketOwnershipControls', bucket, 'GetBucketOwnershipControls');
    allow('platform check', 's3:GetEncryptionConfiguration', bucket, 'GetEncryptionConfiguration');
    allow('platform check', 'kms:ListGrants', p.kmsKeyArn, 'ListGrants called directly');
    allow('platform check', 'iam:GetPolicyVersion', p.permissionsBoundaryArn, 'GetPolicyVersion of the boundary');
    allow('platform check', 'iam:GetRolePolicy', pd.transferRole.arn, 'GetRolePolicy of the Transfer role');

    // Escalation attempts the explicit Denies (and the bucket and key policies) refuse: denied.
    const deny = (category: string, action: string, resource: string, what: string, context: ContextValues = {}) =>
      add(who, category, 'deny', action, resource, what, context);
    deny('roles', 'iam:CreateRole', newRole, 'CreateRole under the partner path without a boundary');
    deny('roles', 'iam:CreateRole', newRole, 'CreateRole with another boundary', { 'iam:PermissionsBoundary': admin });
    deny('roles', 'iam:PutRolePolicy', partnerRole, 'PutRolePolicy on a partner role without its boundary');
    deny('roles', 'iam:AttachRolePolicy', partnerRole, 'AttachRolePolicy AdministratorAccess to a partner role', { ...boundary, 'iam:PolicyARN': admin });
    deny('roles', 'iam:DeleteRolePermissionsBoundary', partnerRole, 'DeleteRolePermissionsBoundary of a partner role', boundary);
    deny('roles', 'iam:PutRolePermissionsBoundary', partnerRole, 'PutRolePermissionsBoundary on a partner role', boundary);
    deny('boundary', 'iam:CreatePolicy', `${iam}:policy/escalated`, 'CreatePolicy');
    deny('boundary', 'iam:CreatePolicyVersion', p.permissionsBoundaryArn, 'CreatePolicyVersion of the boundary');
    deny('boundary', 'iam:SetDefaultPolicyVersion', p.permissionsBoundaryArn, 'SetDefaultPolicyVersion of the boundary');
    for (const [label, arn] of [['bot', pd.botRole.arn], ['verifier', pd.verifierRole.arn], ['Transfer', pd.transferRole.arn]] as const) {
      deny('own role', 'iam:PutRolePolicy', arn, `PutRolePolicy on the ${label} role`, boundary);
      deny('own role', 'iam:AttachRolePolicy', arn, `AttachRolePolicy AdministratorAccess to the ${label} role`, { 'iam:PolicyARN': admin });
      deny('own role', 'iam:UpdateAssumeRolePolicy', arn, `UpdateAssumeRolePolicy of the ${label} role`, boundary);
    }
    // IAM users, groups and their credentials: the bot never needs them.
    const user = `${iam}:user/escalated`;
    const group = `${iam}:group/escalated`;
    deny('users and groups', 'iam:CreateUser', user, 'CreateUser');
    deny('users and groups', 'iam:PutUserPolicy', user, 'PutUserPolicy');
    deny('users and groups', 'iam:AttachUserPolicy', user, 'AttachUserPolicy AdministratorAccess', { 'iam:PolicyARN': admin });
    deny('users and groups', 'iam:DeleteUserPermissionsBoundary', user, 'DeleteUserPermissionsBoundary');
    deny('users and groups', 'iam:AttachGroupPolicy', group, 'AttachGroupPolicy AdministratorAccess', { 'iam:PolicyARN': admin });
    deny('users and groups', 'iam:PutGroupPolicy', group, 'PutGroupPolicy');
    deny('users and groups', 'iam:AddUserToGroup', group, 'AddUserToGroup');
    deny('credentials', 'iam:CreateAccessKey', user, 'CreateAccessKey');
    deny('credentials', 'iam:UpdateAccessKey', user, 'UpdateAccessKey (reactivate a key)');
    deny('credentials', 'iam:CreateLoginProfile', user, 'CreateLoginProfile');
    deny('credentials', 'iam:UpdateLoginProfile', user, 'UpdateLoginProfile');
    deny('credentials', 'iam:CreateServiceSpecificCredential', user, 'CreateServiceSpecificCredential');
    // Passing and assuming roles: only the Transfer role to Transfer, only the verifier.
    deny('pass role', 'iam:PassRole', pd.transferRole.arn, 'PassRole the Transfer role to EC2', { 'iam:PassedToService': 'ec2.amazonaws.com' });
    deny('pass role', 'iam:PassRole', pd.transferRole.arn, 'PassRole the Transfer role to Lambda', { 'iam:PassedToService': 'lambda.amazonaws.com' });
    deny('pass role', 'iam:PassRole', pd.verifierRole.arn, 'PassRole the verifier role to Transfer', toTransfer);
    deny('pass role', 'iam:PassRole', pd.botRole.arn, 'PassRole the bot role to Transfer', toTransfer);
    deny('pass role', 'iam:PassRole', partnerRole, 'PassRole a partner role to Transfer', toTransfer);
    deny('pass role', 'iam:PassRole', `${iam}:role/admin`, 'PassRole another role of the account to EC2', { 'iam:PassedToService': 'ec2.amazonaws.com' });
    deny('assume', 'sts:AssumeRole', partnerRole, 'AssumeRole a partner role');
    deny('assume', 'sts:AssumeRole', pd.transferRole.arn, 'AssumeRole the Transfer role');
    deny('assume', 'sts:AssumeRole', `${iam}:role/admin`, 'AssumeRole another role of the account');
    // The bucket and the key.
    deny('bucket and key', 's3:PutBucketPolicy', bucket, 'PutBucketPolicy');
    deny('bucket and key', 's3:DeleteBucketPolicy', bucket, 'DeleteBucketPolicy');
    deny('bucket and key', 's3:PutEncryptionConfiguration', bucket, 'PutEncryptionConfiguration');
    deny('bucket and key', 's3:PutBucketPublicAccessBlock', bucket, 'PutBucketPublicAccessBlock');
    deny('bucket and key', 's3:PutBucketAcl', bucket, 'PutBucketAcl');
    deny('bucket and key', 'kms:PutKeyPolicy', p.kmsKeyArn, 'PutKeyPolicy');
    deny('bucket and key', 'kms:CreateGrant', p.kmsKeyArn, 'CreateGrant through S3', via);
    deny('bucket and key', 'kms:CreateGrant', p.kmsKeyArn, 'CreateGrant called directly');
    deny('bucket and key', 's3:PutBucketOwnershipControls', bucket, 'PutBucketOwnershipControls');
    deny('bucket and key', 'kms:Decrypt', p.kmsKeyArn, 'kms:Decrypt called directly');
    deny('bucket and key', 'kms:DisableKey', p.kmsKeyArn, 'DisableKey');
    deny('uploads', 's3:PutObject', `${bucket}/partners/acme/prices.csv`, 'PutObject naming another KMS key', {
      [sse]: 'aws:kms', [kmsKey]: `arn:${p.partition}:kms:${p.region}:${A}:key/11111111-2222-3333-4444-555555555555`,
    });
    deny('uploads', 's3:PutObject', `${bucket}/partners/acme/prices.csv`, 'PutObject naming SSE-S3 (AES256)', { [sse]: 'AES256' });
    deny('uploads', 's3:PutObject', `${bucket}/partners/acme/prices.csv`, 'PutObject with a customer-provided key', {
      's3:x-amz-server-side-encryption-customer-algorithm': 'AES256',
    });
    deny('uploads', 's3:PutObject', `${bucket}/partners/acme/prices.csv`, 'PutObject without TLS', { 'aws:SecureTransport': 'false' });
    // Outside what the bot manages: roles off the partner path, other servers, the servers themselves, other prefixes.
    deny('roles', 'iam:CreateRole', `${iam}:role/partnergate/escalated`, 'CreateRole outside the partner path', boundary);
    deny('roles', 'iam:CreateRole', `${iam}:role/admin`, 'CreateRole at the root path', boundary);
    deny('roles', 'iam:PutRolePolicy', `${iam}:role/admin`, 'PutRolePolicy on a role outside the partner path', boundary);
    deny('roles', 'iam:UpdateAssumeRolePolicy', `${iam}:role/admin`, 'UpdateAssumeRolePolicy of a role outside the partner path', boundary);
    deny('roles', 'iam:DetachRolePolicy', `${iam}:role/admin`, 'DetachRolePolicy of a role outside the partner path', { 'iam:PolicyARN': admin });
    // Running as a named role, whoever may become that role may become the bot: the bot cannot widen it.
    const runsAs = botRunsAsRoleArn(p);
    if (runsAs !== undefined) {
      deny('role it runs as', 'iam:UpdateAssumeRolePolicy', runsAs, 'UpdateAssumeRolePolicy of the role the bot runs as', boundary);
      deny('role it runs as', 'iam:PutRolePolicy', runsAs, 'PutRolePolicy on the role the bot runs as', boundary);
      deny('role it runs as', 'iam:AttachRolePolicy', runsAs, 'AttachRolePolicy AdministratorAccess to the role the bot runs as', { 'iam:PolicyARN': admin });
    }
    deny('transfer', 'transfer:CreateUser', `arn:${p.partition}:transfer:${p.region}:${A}:server/${OTHER_SERVER}`, 'CreateUser on another server');
    deny('transfer', 'transfer:UpdateUser', `arn:${p.partition}:transfer:${p.region}:${A}:user/${OTHER_SERVER}/acme`, 'UpdateUser on another server');
    deny('transfer', 'transfer:DeleteServer', p.transferServerArn, 'DeleteServer');
    deny('transfer', 'transfer:ImportHostKey', p.transferServerArn, 'ImportHostKey on the platform server');
    deny('uploads', 's3:PutObject', `${bucket}/${p.outboundPrefix}acme/prices.csv`, `PutObject ${p.outboundPrefix}acme/prices.csv`);
    deny('uploads', 's3:DeleteObject', `${bucket}/${p.outboundPrefix}acme/prices.csv`, `DeleteObject ${p.outboundPrefix}acme/prices.csv`);
    addAuditTrailCells(add, who, p);
  }
}

/**
 * The audit trail: new objects only, never rewritten or removed, with or without an `Allow *` beside
 * the bot's policy. `s3:if-none-match` is the request's If-None-Match header as S3 puts it in the
 * request context; the engine does not derive it from a request, so each cell passes it explicitly.
 */
function addAuditTrailCells(add: Add, who: Principal, p: PlatformConfig): void {
  const bucket = `arn:${p.partition}:s3:::${p.bucket}`;
  const key = 'audit/2026/11/28/20261128T093000000Z-0a1b2c3d4e5f.jsonl';
  const obj = `${bucket}/${key}`;
  add(who, 'audit trail', 'allow', 's3:PutObject', obj, `PutObject ${key} with If-None-Match: *`, { 's3:if-none-match': '*' });
  add(who, 'audit trail', 'allow', 's3:GetObject', obj, `GetObject ${key}`);
  add(who, 'audit trail', 'allow', 's3:PutObjectRetention', obj, `PutObjectRetention ${key} (Object Lock on write)`, { 's3:object-lock-mode': 'GOVERNANCE' });
  add(who, 'audit trail', 'deny', 's3:PutObject', obj, `PutObject ${key} without If-None-Match (an overwrite)`);
  add(who, 'audit trail', 'deny', 's3:PutObject', obj, `PutObject ${key} with If-None-Match other than *`, { 's3:if-none-match': '"0123456789abcdef"' });
  add(who, 'audit trail', 'deny', 's3:PutObject', obj, `CopyObject onto ${key}`, { 's3:x-amz-copy-source': `${p.bucket}/partners/acme/prices.csv` });
  add(who, 'audit trail', 'deny', 's3:DeleteObject', obj, `DeleteObject ${key}`);
  add(who, 'audit trail', 'deny', 's3:DeleteObjectVersion', obj, `DeleteObjectVersion ${key}`, { 's3:versionid': '3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY' });
  add(who, 'audit trail', 'deny', 's3:BypassGovernanceRetention', obj, `BypassGovernanceRetention on ${key}`);
  add(who, 'audit trail', 'deny', 's3:PutObjectLegalHold', obj, `PutObjectLegalHold on ${key} (lifting a hold)`, { 's3:object-lock-legal-hold': 'OFF' });
  add(who, 'audit trail', 'deny', 's3:PutObjectAcl', obj, `PutObjectAcl on ${key}`);
  add(who, 'audit trail', 'deny', 's3:PutObjectTagging', obj, `PutObjectTagging on ${key}`);
  add(who, 'audit trail', 'deny', 's3:PutLifecycleConfiguration', bucket, 'PutLifecycleConfiguration (expire audit/)');
  add(who, 'audit trail', 'deny', 's3:PutBucketVersioning', bucket, 'PutBucketVersioning (suspend)');
  add(who, 'audit trail', 'deny', 's3:PutBucketObjectLockConfiguration', bucket, 'PutBucketObjectLockConfiguration');
}

/** A mutation case with how its cells and path checks came out. */
export interface MutationSummary extends MutationCase {
  cells: number;
  differing: number;
  pathChecks: number;
  /** Path checks whose answer is not what the case says. */
  pathFailures: PathCheck[];
  ok: boolean;
}

export interface MatrixReport {
  partners: number;
  results: CellResult[];
  differing: CellResult[];
  /** action → context keys the engine dropped as not applying (a gap if we rely on one). */
  ignoredContextKeys: Record<string, string[]>;
  /** The single-change cases (mutations.ts): one partner against its named neighbours. */
  mutations: { attacker: string; victims: string[]; cases: MutationSummary[] } | null;
  /** Cells that differ plus path checks that fail: the run passes only at 0. */
  failures: number;
  elapsedMs: number;
}

export interface EvaluateOptions {
  engine?: IamEngine;
  /** Evaluate only cells whose index % of === part (for worker threads). */
  slice?: { part: number; of: number };
  /** Also run every cell through the public runSimulation and fail on any disagreement. */
  crossCheck?: boolean;
}

export async function evaluateCells(
  cells: Cell[],
  documents: Map<string, { docs: SimDocuments; trust: boolean }>,
  options: EvaluateOptions = {},
): Promise<{ results: CellResult[]; ignoredContextKeys: Record<string, string[]> }> {
  const engine = options.engine ?? new IamEngine();
  const loaded = new Map<string, LoadedDocuments>();
  const ignored: Record<string, Set<string>> = {};
  const results: CellResult[] = [];
  const mine = options.slice ? cells.filter((_, i) => i % options.slice!.of === options.slice!.part) : cells;
  await engine.prepare(mine.map((c) => c.request));
  for (const cell of mine) {
    let docs = loaded.get(cell.docsKey);
    if (!docs) {
      const d = documents.get(cell.docsKey)!;
      docs = engine.load(cell.docsKey, d.docs, d.trust ? 'trust' : 'resource');
      loaded.set(cell.docsKey, docs);
    }
    const r = engine.evaluatePrepared(docs, cell.request);
    if (options.crossCheck) {
      const pub = await engine.simulate(docs.raw, cell.request);
      if (pub.decision !== r.decision) {
        throw new Error(`engine paths disagree on ${cell.principal} ${cell.what}: core ${r.decision}, runSimulation ${pub.decision}`);
      }
    }
    for (const key of r.ignoredContextKeys) (ignored[cell.request.action] ??= new Set()).add(key);
    results.push(judged(cell, r.decision));
  }
  return { results, ignoredContextKeys: Object.fromEntries(Object.entries(ignored).map(([a, k]) => [a, [...k].sort()])) };
}

/** A cell with the engine's decision, and whether that is what we expect (a deny is any decision but Allowed). */
export function judged<C extends Cell>(cell: C, decision: Decision): C & CellResult {
  return { ...cell, decision, ok: cell.expected === 'allow' ? decision === 'Allowed' : decision !== 'Allowed' };
}

/** Builds and evaluates the whole matrix of a scenario in this thread. */
export async function runIsolationMatrix(s: Scenario, options: EvaluateOptions = {}): Promise<MatrixReport> {
  const started = performance.now();
  const { cells, documents, mutations } = buildCells(s);
  const { results, ignoredContextKeys } = await evaluateCells(cells, documents, options);
  return matrixReport(s, results, ignoredContextKeys, started, mutations);
}

/** The report of a scenario's evaluated cells, timed from `started` (performance.now()). */
export function matrixReport(
  s: Scenario, results: CellResult[], ignoredContextKeys: Record<string, string[]>, started: number, plan: MutationPlan | null,
): MatrixReport {
  const differing = results.filter((r) => !r.ok);
  const mutations = plan && {
    attacker: plan.attacker,
    victims: plan.victims,
    cases: plan.cases.map((c): MutationSummary => {
      const cells = results.filter((r) => r.mutation === c.id);
      const checks = plan.pathChecks.filter((x) => x.mutation === c.id);
      const pathFailures = checks.filter((x) => !x.ok);
      const wrong = cells.filter((r) => !r.ok).length;
      return { ...c, cells: cells.length, differing: wrong, pathChecks: checks.length, pathFailures, ok: wrong === 0 && pathFailures.length === 0 };
    }),
  };
  const failures = differing.length + (mutations?.cases.reduce((n, c) => n + c.pathFailures.length, 0) ?? 0);
  return { partners: s.partners.length, results, differing, ignoredContextKeys, mutations, failures, elapsedMs: performance.now() - started };
}

/** One line naming a path check whose answer is not what its case says. */
export function describePathFailure(x: PathCheck): string {
  const where = 'key' in x.reached ? `key ${x.reached.key}` : 'prefix' in x.reached ? `prefix "${x.reached.prefix}"` : `refused (${x.reached.refused})`;
  return `[${x.mutation}] SFTP ${x.kind} ${x.path} → ${where}: expected ${x.expectConfined ? `to stay out of partners/${x.victim}/` : `some path to reach partners/${x.victim}/ (the mapping is gone)`}`;
}

/** One line naming a cell that differs from what we expect. */
export function describeDifference(r: CellResult): string {
  const ctx = Object.entries(r.request.context)
    .filter(([k]) => k !== 'aws:PrincipalArn' && k !== 'aws:PrincipalAccount' && !(k === 'aws:SecureTransport' && r.request.context[k] === 'true'))
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('|') : v}`)
    .join(' ');
  return `${r.principal}: ${r.what} (${r.request.action} on ${r.request.resource}${ctx ? `; ${ctx}` : ''}) — expected ${r.expected}, engine says ${r.decision}`;
}
