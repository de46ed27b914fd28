/**
 * Mutation cases: each one single change an administrator or an attacker could make to one
 * partner's access resources (its role, its Transfer user, or the shared Transfer role), and
 * whether partner A can then list or read partner B's files. For each case the matrix evaluates A,
 * as the change leaves it, against every named neighbour: GetObject, GetObjectVersion, ListBucket
 * and ListBucketVersions of B's home, and listings of the whole bucket and of `partners/`.
 *
 * A case either names the layers that still hold after the change — then every such cell must be
 * refused (by IAM; for Transfer, the home mapping is checked path by path with transfer-paths.ts) —
 * or holds none, because AWS gives no second layer for that change: its cells are then expected to
 * be *allowed* (the matrix pins the gap, so closing it is noticed too), and the case names the
 * tests that show the change caught at once and the partner contained (docs/security.md "A second
 * layer").
 */
import type { PlatformConfig } from '../../src/aws/policies/platform.js';
import { PARTNER_TAG_KEY, TAGGED_HOME_PREFIX, type NamedPolicy, type PolicyDocument, type RenderedPartner } from '../../src/aws/policies/index.js';
import type { Add, Expectation, Principal, Scenario } from './iam-matrix.js';
import { pathsToward, reachedBy, reachesHome, type Reached, type TransferHome } from './transfer-paths.js';

export const ADMINISTRATOR_ACCESS: NamedPolicy = {
  name: 'AdministratorAccess',
  document: { Version: '2012-10-17', Statement: [{ Sid: 'Everything', Effect: 'Allow', Action: '*', Resource: '*' }] },
};

/** The AWS managed policy AmazonS3ReadOnlyAccess, as AWS publishes it. */
export const S3_READ_ONLY_ACCESS: NamedPolicy = {
  name: 'AmazonS3ReadOnlyAccess',
  document: {
    Version: '2012-10-17',
    Statement: [{
      Sid: 'S3ReadOnly', Effect: 'Allow',
      Action: ['s3:Get*', 's3:List*', 's3:Describe*', 's3-object-lambda:Get*', 's3-object-lambda:List*'], Resource: '*',
    }],
  },
};

export type Layer =
  | "the role's inline policy"
  | 'the permissions boundary'
  | 'the bucket policy'
  | "the user's session policy"
  | "the user's LOGICAL home mapping";

/** Tests that show a change caught at once and the partner contained (quarantined). */
export const CAUGHT = {
  attach: 'test/integration/lifecycle/attached-policy-event.test.ts (the AttachRolePolicy event checks the partner at once: quarantined, Re-apply detaches the policy)',
  inline: 'test/unit/domain/platform-events.test.ts "when an inline policy is put on a partner role…"; test/integration/lifecycle/reconcile.test.ts "when a policy is widened and another added behind the bot…" (reported, Re-apply repairs it)',
  boundary: 'test/unit/domain/platform-events.test.ts "when a partner role\'s boundary is removed…", "…replaced…"; test/integration/lifecycle/second-layer.test.ts "when the boundary is removed and AmazonS3ReadOnlyAccess attached besides…" (quarantined)',
  tag: 'test/unit/domain/platform-events.test.ts "when a partner role\'s partner tag is changed…", "…removed…"; test/integration/lifecycle/second-layer.test.ts "when a partner role\'s partner tag is changed to a neighbour\'s id…", "when the tag is removed…" (quarantined; Re-apply puts the tag back)',
  trust: 'test/unit/domain/platform-events.test.ts "when a trust policy is rewritten…"; test/integration/lifecycle/reconcile.test.ts "when the trust policy was rewritten behind the bot…" (reported; a second approver restores it); a live partner with a differing trust is quarantined (test/unit/domain/drift.test.ts "when the drift holds a trust policy that differs…, then it may widen access")',
  user: 'test/unit/domain/platform-events.test.ts "when a Transfer user of the platform server is updated…"; test/integration/lifecycle/second-layer.test.ts "when a Transfer user\'s session policy is replaced by a wide one…" (quarantined; Re-apply writes it back)',
  transferRole: 'test/unit/domain/platform-events.test.ts "when the Transfer role gets a policy…" (an alert in the approvals channel)',
} as const;

export interface MutationCase {
  /** Short name: the matrix table's row. */
  id: string;
  target: 'partner role' | "a neighbour's partner role" | 'Transfer user' | 'the Transfer role';
  /** The change, in words. */
  change: string;
  /** What still keeps A from B after it; empty when nothing does. */
  holds: Layer[];
  /** Why no layer holds, when none does. */
  why?: string;
  /** The tests that show the change caught and contained. */
  caughtBy: string[];
}

/** A mapping check: where an SFTP path of A's lands, and whether it may be in B's home. */
export interface PathCheck {
  mutation: string;
  victim: string;
  path: string;
  kind: 'file' | 'directory';
  reached: Reached;
  /** Whether the mapping is expected to keep this path out of B's home. */
  expectConfined: boolean;
  ok: boolean;
}

export interface MutationPlan {
  attacker: string;
  victims: string[];
  cases: MutationCase[];
  pathChecks: PathCheck[];
}

const at = (layers: Layer[], l: Layer) => layers.includes(l);

/** The named partners the cases run against (at most 8: the relations between ids do not grow with N). */
function victimsOf(s: Scenario, attacker: string): RenderedPartner[] {
  return s.partners.filter((r) => r.partnerId !== attacker).slice(0, 7);
}

/** The first partner with a role and an account: A. */
function attackerOf(s: Scenario): RenderedPartner | undefined {
  return s.partners.find((r) => r.partnerRole !== null && s.specs.find((x) => x.partnerId === r.partnerId)?.accountId);
}

/** The documents with the tagged home written as `partners/<value>/` (AWS's answer, should it expand a `*` in a tag). */
function withTagValue(doc: PolicyDocument, value: string): PolicyDocument {
  return JSON.parse(JSON.stringify(doc).split(TAGGED_HOME_PREFIX).join(`partners/${value}/`)) as PolicyDocument;
}

/**
 * Adds the cells of every mutation case to the matrix (through `add`), and answers the cases and
 * the mapping checks (which are not IAM requests, so not cells).
 */
export function addMutationCells(s: Scenario, add: Add, sessionArn: (role: string, name: string) => string): MutationPlan | null {
  const a = attackerOf(s);
  if (!a) return null;
  const p: PlatformConfig = s.platform;
  const pd = s.platformDocs;
  const A = p.accountId;
  const id = a.partnerId;
  const role = a.partnerRole!;
  const account = s.specs.find((x) => x.partnerId === id)!.accountId!;
  const bucket = `arn:${p.partition}:s3:::${p.bucket}`;
  const boundary = pd.permissionsBoundary.policies[0]!.document;
  const victims = victimsOf(s, id);
  const cases: MutationCase[] = [];
  const pathChecks: PathCheck[] = [];

  /**
   * B's files and every name in the bucket, as `who`. Where IAM still holds, every one refused.
   * Where the change took IAM's layer away, that A can read and list B by IAM is what is pinned.
   */
  const neighbourCells = (who: Principal, c: MutationCase, only?: RenderedPartner[]) => {
    const refused = iamHolds(c);
    const expected: Expectation = refused ? 'deny' : 'allow';
    for (const b of only ?? victims) {
      const home = `partners/${b.partnerId}/`;
      add(who, c.id, expected, 's3:GetObject', `${bucket}/${home}prices.csv`, `GetObject ${home}prices.csv`);
      add(who, c.id, expected, 's3:ListBucket', bucket, `ListBucket prefix=${home} delimiter=/`, { 's3:prefix': home, 's3:delimiter': '/' });
      if (!refused) continue;
      add(who, c.id, 'deny', 's3:GetObjectVersion', `${bucket}/${home}prices.csv`, `GetObjectVersion ${home}prices.csv`);
      add(who, c.id, 'deny', 's3:ListBucketVersions', bucket, `ListBucketVersions prefix=${home}`, { 's3:prefix': home });
    }
    if (!refused) return;
    add(who, c.id, 'deny', 's3:ListBucket', bucket, 'ListBucket without a prefix (every file name)');
    add(who, c.id, 'deny', 's3:ListBucket', bucket, 'ListBucket prefix=partners/ (every partner)', { 's3:prefix': 'partners/' });
  };
  const ownCell = (who: Principal, c: MutationCase, kept: boolean) =>
    add(who, c.id, kept ? 'allow' : 'deny', 's3:GetObject', `${bucket}/partners/${id}/prices.csv`, `its own partners/${id}/prices.csv (${kept ? 'still read' : 'lost'})`);

  // ---- The attacker's own role: a session of it after one change.
  const roleSession = (c: MutationCase, change: Partial<Principal>): Principal => ({
    label: `${id} role session [${c.id}]`, kind: `mutation: ${c.target}`, mutation: c.id,
    arn: sessionArn(role.roleName, `${id}-pull`), principalArn: role.arn, account: A,
    identity: role.policies, boundary, tags: role.tags, ...change,
  });
  const roleCase = (c: Omit<MutationCase, 'target'>, change: Partial<Principal>, ownKept: boolean) => {
    const full: MutationCase = { ...c, target: 'partner role' };
    cases.push(full);
    const who = roleSession(full, change);
    neighbourCells(who, full);
    ownCell(who, full, ownKept);
  };
  const boundaryAndBucket: Layer[] = ['the permissions boundary', 'the bucket policy'];
  const inlineAndBucket: Layer[] = ["the role's inline policy", 'the bucket policy'];
  roleCase({ id: 'attach AmazonS3ReadOnlyAccess', change: `AmazonS3ReadOnlyAccess attached to ${role.roleName}`, holds: boundaryAndBucket, caughtBy: [CAUGHT.attach] },
    { identity: [...role.policies, S3_READ_ONLY_ACCESS] }, true);
  roleCase({ id: 'attach AdministratorAccess', change: `AdministratorAccess attached to ${role.roleName}`, holds: boundaryAndBucket, caughtBy: [CAUGHT.attach] },
    { identity: [...role.policies, ADMINISTRATOR_ACCESS] }, true);
  roleCase({ id: 'inline s3:* on *', change: `an inline policy allowing s3:* on * added to ${role.roleName}`, holds: boundaryAndBucket, caughtBy: [CAUGHT.inline] },
    { identity: [...role.policies, { name: 'added-by-hand', document: { Version: '2012-10-17', Statement: [{ Sid: 'S3Everything', Effect: 'Allow', Action: 's3:*', Resource: '*' }] } }] }, true);
  roleCase({ id: 'inline policy widened to partners/', change: `${role.roleName}'s inline policy rewritten to read all of partners/`, holds: boundaryAndBucket, caughtBy: [CAUGHT.inline] },
    { identity: [{ name: role.policies[0]!.name, document: pd.transferRole.policies[0]!.document }] }, true);
  roleCase({ id: 'boundary replaced by a wide one', change: `${role.roleName}'s permissions boundary replaced by AdministratorAccess`, holds: inlineAndBucket, caughtBy: [CAUGHT.boundary] },
    { boundary: ADMINISTRATOR_ACCESS.document }, true);
  roleCase({ id: 'boundary removed', change: `${role.roleName}'s permissions boundary removed`, holds: inlineAndBucket, caughtBy: [CAUGHT.boundary] },
    { boundary: undefined }, true);
  roleCase({
    id: 'partner tag removed', change: `${role.roleName}'s ${PARTNER_TAG_KEY} tag removed`,
    holds: ["the role's inline policy", 'the permissions boundary', 'the bucket policy'], caughtBy: [CAUGHT.tag],
  }, { tags: {} }, false);
  // A `*` in the tag: whether AWS expands a wildcard that a policy variable brings in is not
  // documented, so the boundary and bucket policy are evaluated as if it did (the worse answer).
  roleCase({ id: 'partner tag set to *', change: `${role.roleName}'s ${PARTNER_TAG_KEY} tag set to "*" (evaluated as a wildcard)`, holds: ["the role's inline policy"], caughtBy: [CAUGHT.tag] },
    { tags: { [PARTNER_TAG_KEY]: '*' }, boundary: withTagValue(boundary, '*'), resources: { bucket: withTagValue(pd.bucketPolicy, '*') } }, true);

  // The tag changed to B's id: the boundary and the bucket policy then cap the role at B's home, and
  // its inline policy still grants only A's: nothing of either. One principal per neighbour.
  const retagged: MutationCase = {
    id: 'partner tag changed to a neighbour', target: 'partner role', change: `${role.roleName}'s ${PARTNER_TAG_KEY} tag changed to the neighbour's id`,
    holds: ["the role's inline policy"], caughtBy: [CAUGHT.tag],
  };
  cases.push(retagged);
  const sessionTagged: MutationCase = {
    id: 'trust allows TagSession', target: 'partner role',
    change: `${role.roleName}'s trust also allows sts:TagSession, and ${id}'s account passes ${PARTNER_TAG_KEY}=<neighbour> as a session tag (which overrides the role's)`,
    holds: ["the role's inline policy"], caughtBy: [CAUGHT.trust],
  };
  cases.push(sessionTagged);
  const taggingTrust: PolicyDocument = {
    ...role.trustPolicy,
    Statement: [...role.trustPolicy.Statement, { Sid: 'AddedTagSession', Effect: 'Allow', Principal: { AWS: `arn:${p.partition}:iam::${account}:root` }, Action: 'sts:TagSession' }],
  };
  const partnerAdmin = (label: string, c: MutationCase, resources?: Principal['resources']): Principal => ({
    label, kind: `mutation: ${c.target}`, mutation: c.id,
    arn: `arn:${p.partition}:iam::${account}:role/admin`, principalArn: `arn:${p.partition}:iam::${account}:role/admin`, account,
    identity: [ADMINISTRATOR_ACCESS], ...(resources ? { resources } : {}),
  });
  add(partnerAdmin(`${id} account admin [${sessionTagged.id}]`, sessionTagged, { trust: { [role.arn]: taggingTrust } }),
    sessionTagged.id, 'allow', 'sts:TagSession', role.arn, `TagSession on ${role.roleName} (the widened trust allows it)`,
    { 'aws:RequestTag/partnergate:partner-id': victims[0]?.partnerId ?? 'x', 'aws:TagKeys': [PARTNER_TAG_KEY] }, A);
  for (const b of victims) {
    for (const c of [retagged, sessionTagged]) {
      const who = roleSession(c, { label: `${id} role session [${c.id}: ${b.partnerId}]`, tags: { [PARTNER_TAG_KEY]: b.partnerId } });
      neighbourCells(who, c, [b]);
      ownCell(who, c, false);
    }
  }

  // ---- A neighbour's trust widened to A's account: A becomes B's role. Nothing after the trust
  // can tell A's session of B's role from B's own.
  const widened: MutationCase = {
    id: "neighbour's trust widened", target: "a neighbour's partner role",
    change: `a neighbour's trust policy also names ${id}'s account (no ExternalId)`,
    holds: [],
    why: 'the trust policy alone decides who may become a role; a session of it carries only the role\'s own identity and tags to S3 (aws:PrincipalArn, aws:PrincipalTag) — nothing about who assumed it that the caller does not choose itself (aws:SourceIdentity) — so no boundary or bucket condition can tell A in B\'s role from B',
    caughtBy: [CAUGHT.trust],
  };
  cases.push(widened);
  for (const b of victims.filter((r) => r.partnerRole !== null)) {
    const theirs = b.partnerRole!;
    const trust: PolicyDocument = {
      ...theirs.trustPolicy,
      Statement: [...theirs.trustPolicy.Statement, { Sid: 'AddedByHand', Effect: 'Allow', Principal: { AWS: `arn:${p.partition}:iam::${account}:root` }, Action: 'sts:AssumeRole' }],
    };
    add(partnerAdmin(`${id} account admin [${widened.id}: ${b.partnerId}]`, widened, { trust: { [theirs.arn]: trust } }),
      widened.id, 'allow', 'sts:AssumeRole', theirs.arn, `AssumeRole ${theirs.roleName} (then reads ${b.partnerId}'s files as ${b.partnerId})`, {}, A);
  }

  // ---- A's Transfer user, and the Transfer role every user runs as.
  const user = a.transferUser;
  const sftp = (c: MutationCase, change: Partial<Principal>): Principal => ({
    label: `${id} SFTP session [${c.id}]`, kind: `mutation: ${c.target}`, mutation: c.id,
    arn: sessionArn(pd.transferRole.roleName, id), principalArn: pd.transferRole.arn, account: A,
    identity: pd.transferRole.policies, session: user.Policy, ...change,
  });
  const logical: TransferHome = { HomeDirectoryType: 'LOGICAL', HomeDirectoryMappings: user.HomeDirectoryMappings };
  /**
   * Where A's SFTP paths land. With the mapping as a layer, none may reach B's home; without it
   * (the change took it away), some path must, for each neighbour it points at.
   */
  const userCase = (
    c: Omit<MutationCase, 'target'> & { target?: MutationCase['target'] }, change: Partial<Principal>, home: TransferHome, exposed = victims,
  ) => {
    const full: MutationCase = { target: 'Transfer user', ...c };
    cases.push(full);
    neighbourCells(sftp(full, change), full);
    const confined = at(full.holds, "the user's LOGICAL home mapping");
    for (const b of confined ? victims : exposed) {
      const checks = pathsToward(p.bucket, b.partnerId).map(({ path, kind }) => ({ path, kind, reached: reachedBy(home, p.bucket, path, kind) }));
      const someReach = checks.some((x) => reachesHome(x.reached, b.partnerId));
      for (const x of checks) {
        const ok = confined ? !reachesHome(x.reached, b.partnerId) : someReach;
        pathChecks.push({ mutation: full.id, victim: b.partnerId, ...x, expectConfined: confined, ok });
      }
    }
  };
  const wide = pd.transferRole.policies[0]!.document;
  userCase({ id: 'session policy replaced by a wide one', change: `${id}'s Transfer user's session policy replaced by one reading all of partners/`, holds: ["the user's LOGICAL home mapping"], caughtBy: [CAUGHT.user] },
    { session: wide }, logical);
  userCase({ id: 'session policy removed', change: `${id}'s Transfer user's session policy removed (the Transfer role alone)`, holds: ["the user's LOGICAL home mapping"], caughtBy: [CAUGHT.user] },
    { session: undefined }, logical);
  userCase({ id: 'home mapped to a neighbour', change: `${id}'s Transfer user's home mapping pointed at a neighbour's home`, holds: ["the user's session policy"], caughtBy: [CAUGHT.user] },
    {}, { HomeDirectoryType: 'LOGICAL', HomeDirectoryMappings: victims.slice(0, 1).map((b) => ({ Entry: '/', Target: `/${p.bucket}/partners/${b.partnerId}` })) }, victims.slice(0, 1));
  userCase({ id: 'PATH home at the bucket root', change: `${id}'s Transfer user given a PATH home at the bucket root (it may name any key)`, holds: ["the user's session policy"], caughtBy: [CAUGHT.user] },
    {}, { HomeDirectoryType: 'PATH', HomeDirectory: `/${p.bucket}` });
  userCase({ id: 'user runs as an admin role', change: `${id}'s Transfer user given another role (AdministratorAccess, trusting Transfer)`, holds: ["the user's session policy", "the user's LOGICAL home mapping"], caughtBy: [CAUGHT.user] },
    { identity: [ADMINISTRATOR_ACCESS], arn: sessionArn('transfer-admin', id), principalArn: `arn:${p.partition}:iam::${A}:role/transfer-admin` }, logical);
  userCase({ id: 'Transfer role gets S3 read', target: 'the Transfer role', change: 'AmazonS3ReadOnlyAccess attached to the Transfer role every SFTP session runs as', holds: ["the user's session policy", "the user's LOGICAL home mapping"], caughtBy: [CAUGHT.transferRole] },
    { identity: [...pd.transferRole.policies, S3_READ_ONLY_ACCESS] }, logical);

  return { attacker: id, victims: victims.map((v) => v.partnerId), cases, pathChecks };
}

/** Whether a layer IAM evaluates still holds (for SFTP, the session policy; the mapping is Transfer's). */
function iamHolds(c: MutationCase): boolean {
  return c.holds.some((l) => l !== "the user's LOGICAL home mapping");
}
