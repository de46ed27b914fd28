/**
 * The steps of provisioning, in order, as the thread names them: a table for the step runner
 * (../platform/step-runner.ts). Each is an "ensure": it reads what AWS (or Redis) holds and writes only what is missing, so a
 * rerun after a crash at any point finishes the work and creates nothing twice. A step throws AppError (AwsError for AWS) with `retryable` saying whether the
 * job's backoff may help; anything found in AWS that this request did not create is left alone
 * and fails the step.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { PlatformConfig } from '../../aws/policies/platform.js';
import type { Clock } from '../../actions/ports.js';
import { ConflictError, ErrorCode, NotFoundError, RefusedError } from '../../domain/errors.js';
import { hasCode } from '../../aws/aws-error.js';
import type { ControlPlane } from '../../aws/control-plane.js';
import { analyzerProblems } from '../../aws/access-analyzer.js';
import { putHomeMarker } from '../../aws/s3-objects.js';
import { toCreateUserRequest, type RenderedPartner } from '../../aws/policies/index.js';
import type { PartnerStore } from '../../store/partners.js';
import type { OnboardingRequest } from '../../domain/requests.js';
import type { Step, StepResult } from '../platform/step-runner.js';
import { keyDifferences, ownedBy, REQUEST_TAG_KEY, roleFixedDifferences, sameDocument, tagsOf, transferUserDifferences } from './intended-state.js';
import { wantsTransferUser } from '../../domain/access.js';

export interface StepContext {
  cp: ControlPlane;
  /** The bot's own S3 client: real in DRY_RUN too. */
  s3: S3Client;
  platform: PlatformConfig;
  partners: PartnerStore;
  clock: Clock;
  request: OnboardingRequest;
  rendered: RenderedPartner;
}

const notOurs = (what: string, requestId: string, tags: Record<string, string>) =>
  new ConflictError(ErrorCode.ResourceNotOurs, `${what} already exists and was not created for this request (tag ${REQUEST_TAG_KEY} is ${tags[REQUEST_TAG_KEY] ?? 'missing'}, expected ${requestId}); it was left alone — resolve it by hand`);

/** Access Analyzer over the rendered documents; nothing is created when it finds a problem. */
async function preflight(ctx: StepContext): Promise<StepResult> {
  const findings = await ctx.cp.checkDocuments(ctx.rendered);
  if (findings === null) return { state: 'skipped', detail: 'a dry run: Access Analyzer not called' };
  const problems = analyzerProblems(findings);
  if (problems.length > 0) {
    throw new RefusedError(ErrorCode.PolicyCheckFailed, `Access Analyzer: ${problems.join('; ')}`);
  }
  return { state: 'done', detail: 'no findings' };
}

async function markTransferUserCreated(ctx: StepContext): Promise<void> {
  const at = ctx.clock.now().toISOString();
  await ctx.partners.update(ctx.request.partnerId, (r) => (r.transferUserCreatedAt ? r : { ...r, transferUserCreatedAt: at, updatedAt: at }));
}

/** The Transfer user, created with the first SSH key and both tags; an existing one must be ours and as intended. */
async function transferUser(ctx: StepContext): Promise<StepResult> {
  const { cp, request, rendered } = ctx;
  if (!wantsTransferUser(request)) return { state: 'skipped', detail: 'no SSH keys: S3 pull only' };
  const intended = rendered.transferUser;
  let user = await cp.describeUser(intended.UserName);
  if (!user) {
    const input = toCreateUserRequest({ ...intended, Tags: [...intended.Tags, { Key: REQUEST_TAG_KEY, Value: request.id }] });
    try {
      await cp.createUser({ ...input, ...(request.sshKeys[0] ? { SshPublicKeyBody: request.sshKeys[0] } : {}) });
      await markTransferUserCreated(ctx);
      return cp.dryRun
        ? { state: 'planned', detail: `CreateUser ${intended.UserName}` }
        : { state: 'done', detail: `created ${intended.UserName}` };
    } catch (err) {
      if (!hasCode(err, 'ResourceExistsException')) throw err;
      user = await cp.describeUser(intended.UserName);
      if (!user) throw new NotFoundError(ErrorCode.TransferUserMissing, 'CreateUser says the user exists but DescribeUser does not find it', { retryable: true });
    }
  }
  const tags = tagsOf(user.Tags);
  if (!ownedBy(tags, request.id)) throw notOurs(`Transfer user ${intended.UserName}`, request.id, tags);
  const differences = transferUserDifferences(user, intended);
  if (differences.length > 0) {
    throw new ConflictError(ErrorCode.TransferUserDiffers, `Transfer user ${intended.UserName} exists but ${differences.join(', ')}`);
  }
  const missingTags = Object.fromEntries(intended.Tags.filter((t) => tags[t.Key] !== t.Value).map((t) => [t.Key, t.Value]));
  if (Object.keys(missingTags).length > 0 && user.Arn) await cp.tagUser(user.Arn, missingTags);
  await markTransferUserCreated(ctx);
  return { state: 'unchanged' };
}

/** Every requested key on the user: CreateUser took the first, the others are imported if DescribeUser lacks them. */
async function sshKeys(ctx: StepContext): Promise<StepResult> {
  const { cp, request, rendered } = ctx;
  if (!wantsTransferUser(request)) return { state: 'skipped', detail: 'no Transfer user' };
  const userName = rendered.transferUser.UserName;
  const user = await cp.describeUser(userName);
  let missing: string[];
  if (user) {
    missing = keyDifferences(user, request.sshKeys).missing;
  } else if (cp.dryRun) {
    missing = request.sshKeys.slice(1); // the first goes with the planned CreateUser
  } else {
    throw new NotFoundError(ErrorCode.TransferUserMissing, `Transfer user ${userName} is not there yet`, { retryable: true });
  }
  for (const key of missing) {
    try {
      await cp.importSshPublicKey(userName, key);
    } catch (err) {
      if (!hasCode(err, 'ResourceExistsException')) throw err;
    }
  }
  const total = request.sshKeys.length;
  const keys = `${total} key${total === 1 ? '' : 's'}`;
  // DRY_RUN with no user: the keys come with the planned CreateUser; nothing is in place.
  if (!user) return { state: 'planned', detail: missing.length ? `${keys}: ImportSshPublicKey ×${missing.length} after CreateUser` : `${keys}, with CreateUser` };
  if (missing.length === 0) return { state: 'unchanged', detail: `${keys} in place` };
  return cp.dryRun
    ? { state: 'planned', detail: `ImportSshPublicKey ×${missing.length}` }
    : { state: 'done', detail: `${missing.length} imported, ${total} in place` };
}

/** The partner's role (path, boundary, tags), its trust and its inline policy, when an account was given. */
async function partnerRole(ctx: StepContext): Promise<StepResult> {
  const { cp, request } = ctx;
  const intended = ctx.rendered.partnerRole;
  if (!intended) return { state: 'skipped', detail: 'no AWS account: SFTP only' };
  const changes: string[] = [];
  let role = await cp.getRole(intended.roleName);
  if (!role) {
    try {
      await cp.createRole({
        roleName: intended.roleName,
        path: intended.path,
        trustPolicy: intended.trustPolicy as unknown as Record<string, unknown>,
        permissionsBoundary: intended.permissionsBoundary,
        tags: { ...intended.tags, [REQUEST_TAG_KEY]: request.id },
        description: `partnergate: read-only access of partner ${request.partnerId} to its own prefix`,
      });
      changes.push(cp.dryRun ? 'role to create' : 'role created');
    } catch (err) {
      if (!hasCode(err, 'EntityAlreadyExistsException', 'EntityAlreadyExists')) throw err;
      role = await cp.getRole(intended.roleName);
      if (!role) throw new NotFoundError(ErrorCode.RoleMissing, 'CreateRole says the role exists but GetRole does not find it', { retryable: true });
    }
  }
  if (role) {
    if (!ownedBy(role.tags, request.id)) throw notOurs(`IAM role ${intended.roleName}`, request.id, role.tags);
    const fixed = roleFixedDifferences(role, intended);
    if (fixed.length > 0) throw new ConflictError(ErrorCode.RoleDiffers, `IAM role ${intended.roleName} exists but its ${fixed.join(', ')}`);
    if (!sameDocument(role.trustPolicy, intended.trustPolicy)) {
      await cp.updateAssumeRolePolicy({ roleName: intended.roleName, document: intended.trustPolicy });
      changes.push('trust policy updated');
    }
  }
  for (const p of intended.policies) {
    const deployed = role ? await cp.getRolePolicy({ roleName: intended.roleName, policyName: p.name }) : null;
    if (!sameDocument(deployed, p.document)) {
      await cp.putRolePolicy({ roleName: intended.roleName, policyName: p.name, document: p.document });
      changes.push(`inline policy ${p.name} ${cp.dryRun ? 'to write' : 'written'}`);
    }
  }
  if (changes.length === 0) return { state: 'unchanged' };
  return { state: cp.dryRun ? 'planned' : 'done', detail: changes.join(', ') };
}

/** The marker object that makes the home exist; a real S3 write even in DRY_RUN. */
async function homeMarker(ctx: StepContext): Promise<StepResult> {
  const { platform, request } = ctx;
  const marker = await putHomeMarker(ctx.s3, platform.bucket, request.partnerId, platform.kmsKeyArn);
  return marker.created ? { state: 'done', detail: marker.key } : { state: 'unchanged', detail: marker.key };
}

/** The registry record: provisioned (every step before this one is done), waiting for verification. */
async function registry(ctx: StepContext): Promise<StepResult> {
  const at = ctx.clock.now().toISOString();
  const recorded = await ctx.partners.apply(ctx.request.partnerId, 'provisioned', (r) => ({
    provisionedAt: r.provisionedAt ?? at, dryRun: ctx.cp.dryRun, steps: PROVISION_STEPS.map((s) => s.name), updatedAt: at,
  }));
  if (!recorded) throw new ConflictError(ErrorCode.StatusChanged, 'the partner is no longer provisioning (offboarded meanwhile?); not marked provisioned');
  return { state: 'done', detail: 'provisioned; verification queued' };
}

export const PROVISION_STEPS: readonly Step<StepContext>[] = [
  { name: 'preflight', label: 'Policy checks before anything is created (Access Analyzer)', run: preflight },
  { name: 'transfer-user', label: 'Transfer user', run: transferUser },
  { name: 'ssh-keys', label: 'SSH keys', run: sshKeys },
  { name: 'partner-role', label: 'Partner role and its inline policy', run: partnerRole },
  { name: 'home-marker', label: 'Home marker object', run: homeMarker },
  { name: 'registry', label: 'Partner record in the registry', run: registry },
];
