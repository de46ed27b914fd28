/**
 * The verify job (queue `verify`; docs/architecture.md "An onboarding, from /onboard-partner to
 * LIVE"). Payload `{ requestId, attempt }`, job id
 * `<requestId>-verify-<attempt>`.
 *
 * It runs no earlier than TRANSFER_SETTLE_SECONDS after the Transfer user was created (it is queued
 * with that delay and re-delays itself if it starts early). Then: the Transfer user exists exactly as
 * intended (retried with backoff while Transfer settles); the deployed documents, read back, match
 * the rendered ones and pass Access Analyzer; live probes as the partner (./verify-probes.ts) and,
 * when TRANSFER_HOST is set, over SFTP (./sftp-probe.ts). A checklist goes to the thread; the partner
 * becomes LIVE (and `onLive` releases what waited for it) or VERIFY_FAILED with a Retry button;
 * the requester is told which by DM.
 * DRY_RUN: offline checks only, probes skipped, LIVE with dryRun true.
 */
import { UnrecoverableError, type Job, type Queue } from 'bullmq';
import { delayJob } from '../platform/delay-job.js';
import { z } from 'zod';
import type { PlatformConfig } from '../../aws/policies/platform.js';
import type { Logger } from '../../logger.js';
import { ConflictError, ErrorCode } from '../../domain/errors.js';
import type { Audit } from '../../actions/ports.js';
import type { Clock, Notify } from '../../actions/ports.js';
import { specOf } from '../../actions/onboarding/index.js';
import { checkIntegrity, integrityFailureLine, reportIntegrityFailure } from '../../actions/approval/index.js';
import type { ApprovalSeals } from '../../domain/approval-seal.js';
import { buildVerifyChecklist, verifyNotRecordedText, type CheckView } from '../../bot/messages/verify.js';
import { failureAdvice } from '../../domain/failure-advice.js';
import type { Approvers } from '../../domain/authorization.js';
import { buildFailedDm, buildLiveDm } from '../../bot/messages/requester.js';
import { directMessages } from '../../actions/direct-message.js';
import type { ControlPlane } from '../../aws/control-plane.js';
import { analyzerProblems } from '../../aws/access-analyzer.js';
import { renderPartner, type PolicyDocument, type RenderedPartner } from '../../aws/policies/index.js';
import { planHashOf } from '../../actions/onboarding/index.js';
import type { PartnerStore } from '../../store/partners.js';
import type { RequestStore } from '../../store/requests.js';
import type { OnboardingRequest } from '../../domain/requests.js';
import { verifyJobId, verifyPayload, type VerifyPayload } from '../../actions/onboarding/index.js';
import type { RunStore } from '../../store/runs.js';
import { retriedJob } from '../platform/queues.js';
import { failureOf, isFinal } from '../platform/step-runner.js';
import { settleGate } from './provision.js';
import { keyDifferences, roleFixedDifferences, roleTagDifferences, sameDocument, transferUserDifferences } from './intended-state.js';
import { wantsTransferUser } from '../../domain/access.js';
import { partnerThread, threadRefs } from '../../actions/partner-thread.js';
import { cardRef } from '../../bot/messages/ids.js';
import { runS3Probes, type S3ForCredentials } from './verify-probes.js';
import { runSftpProbe, type SftpProbeOptions } from './sftp-probe.js';

export const VERIFY_JOB = 'verify';
/** Tries: DescribeUser while Transfer settles, and throttling, back off 2 s, 4 s, … up to 5 min. */
export const VERIFY_TRIES = 10;

export async function addVerifyJob(queue: Queue<VerifyPayload>, payload: VerifyPayload, delayMs: number, tries = VERIFY_TRIES): Promise<void> {
  await queue.add(VERIFY_JOB, payload, { ...retriedJob(verifyJobId(payload), tries), delay: Math.max(0, Math.round(delayMs)) });
}

export interface VerifyDeps {
  platform: PlatformConfig;
  settleSeconds: number;
  /** TRANSFER_HOST and SFTP probe settings; undefined: the SFTP probe is skipped. */
  sftp: SftpProbeOptions | undefined;
  requests: RequestStore;
  partners: PartnerStore;
  runs: RunStore;
  /** Checks the request's seals before anything else: verification sets the partner LIVE from it. */
  seals: ApprovalSeals;
  /** APPROVALS_CHANNEL: where an integrity alert goes, besides the thread. */
  approvalsChannel: string;
  /** Who can retry, as a failure names them (APPROVERS, APPROVER_USERGROUP). */
  approverNames: Approvers;
  cp: ControlPlane;
  s3ForCredentials: S3ForCredentials;
  notify: Notify;
  clock: Clock;
  logger: Logger;
  /** Called once the partner is LIVE (and again should a rerun find it LIVE): must be idempotent. */
  onLive: (partnerId: string) => Promise<void>;
  /** The audit trail: one `verify.result` record per concluded verification (optional). */
  audit?: Audit;
}

interface Ctx {
  deps: VerifyDeps;
  request: OnboardingRequest;
  rendered: RenderedPartner;
  final: boolean;
  log: Logger;
}

/** DescribeUser: home, role, session policy and keys exactly as intended. Also returns the deployed session policy. */
async function checkTransferUser(c: Ctx): Promise<{ checks: CheckView[]; sessionPolicy: unknown }> {
  const { cp } = c.deps;
  const label = 'Transfer user exists exactly as intended (home, role, session policy, keys)';
  const user = await cp.describeUser(c.rendered.transferUser.UserName);
  const problems = user
    ? [...transferUserDifferences(user, c.rendered.transferUser), ...describeKeys(keyDifferences(user, c.request.sshKeys))]
    : ['not found'];
  if (problems.length > 0) {
    // Not yet as intended: retried with backoff until the last try.
    if (!c.final) throw new ConflictError(ErrorCode.TransferNotSettled, problems.join(', '), { retryable: true });
    return { checks: [{ label, outcome: 'fail', detail: problems.join(', ') }], sessionPolicy: undefined };
  }
  return { checks: [{ label, outcome: 'pass' }], sessionPolicy: user?.Policy ? JSON.parse(user.Policy) : undefined };
}

function describeKeys(d: { missing: string[]; extra: string[] }): string[] {
  return [
    ...(d.missing.length ? [`${d.missing.length} SSH key(s) missing`] : []),
    ...(d.extra.length ? [`${d.extra.length} SSH key(s) not asked for`] : []),
  ];
}

/** Reads back what is deployed, compares it with the rendered documents, and runs Access Analyzer on it. */
async function checkDeployedDocuments(c: Ctx, sessionPolicy: unknown): Promise<CheckView[]> {
  const { cp } = c.deps;
  const checks: CheckView[] = [];
  let deployed: RenderedPartner = c.rendered;
  if (wantsTransferUser(c.request)) {
    deployed = { ...deployed, transferUser: { ...deployed.transferUser, Policy: sessionPolicy as PolicyDocument } };
  }
  const intended = c.rendered.partnerRole;
  if (intended) {
    const role = await cp.getRole(intended.roleName);
    // Everything that grants: the rendered inline policies and nothing else — no extra inline
    // policy, no managed policy (the second layer would keep one attached by hand from the
    // neighbours, but only the rendered policy was approved) — and the partner tag the second layer reads.
    const [names, attached] = role ? await Promise.all([cp.listRolePolicies(intended.roleName), cp.listAttachedRolePolicies(intended.roleName)]) : [[], []];
    const policies = await Promise.all(
      intended.policies.map(async (p) => ({ name: p.name, document: (await cp.getRolePolicy({ roleName: intended.roleName, policyName: p.name })) as unknown as PolicyDocument })),
    );
    const problems = [
      ...(role ? [] : ['role not found']),
      ...(role && !sameDocument(role.trustPolicy, intended.trustPolicy) ? ['trust policy differs'] : []),
      ...(role ? [...roleFixedDifferences(role, intended), ...roleTagDifferences(role.tags, intended).map((d) => d.text)] : []),
      ...policies.filter((p, i) => !sameDocument(p.document, intended.policies[i]!.document)).map((p) => `inline policy ${p.name} differs`),
      ...names.filter((n) => !intended.policies.some((p) => p.name === n)).map((n) => `inline policy ${n} is not rendered`),
      ...attached.map((a) => `managed policy ${a.policyArn} is attached`),
    ];
    checks.push({ label: 'partner role as intended (trust, boundary, path, tags, inline policy read back, nothing else attached)', outcome: problems.length ? 'fail' : 'pass', ...(problems.length ? { detail: problems.join(', ') } : {}) });
    if (role?.trustPolicy) {
      deployed = { ...deployed, partnerRole: { ...intended, trustPolicy: role.trustPolicy as unknown as PolicyDocument, policies } };
    }
  }
  const findings = await cp.checkDocuments(deployed);
  const problems = findings === null ? [] : analyzerProblems(findings);
  checks.push({ label: 'deployed documents pass Access Analyzer', outcome: problems.length ? 'fail' : 'pass', ...(problems.length ? { detail: problems.join('; ') } : {}) });
  return checks;
}

/** DRY_RUN: nothing was deployed; the rendered documents still render to the approved plan. */
function offlineChecks(c: Ctx): CheckView[] {
  const same = planHashOf(c.rendered, c.request) === c.request.planHash;
  return [
    { label: 'rendered documents match the approved plan (size limits and grammar checked by the renderer)', outcome: same ? 'pass' : 'fail' },
    { label: 'Transfer user and deployed documents read back', outcome: 'skipped', detail: 'a dry run: nothing was deployed' },
    { label: 'Access Analyzer', outcome: 'skipped', detail: 'a dry run: not called' },
    { label: 'live probes as the partner (S3, SFTP)', outcome: 'skipped', detail: 'a dry run' },
  ];
}

export function createVerifyProcessor(deps: VerifyDeps) {
  return async function processVerify(job: Job<VerifyPayload>, token?: string): Promise<string> {
    const parsed = verifyPayload.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`verify: bad payload (${parsed.error.issues[0]?.message})`);
    const payload = parsed.data;
    const request = await deps.requests.get(payload.requestId);
    const broken = request && checkIntegrity(deps.seals, 'request', request);
    if (request && broken?.integrity) {
      const failure = { noun: 'request', id: request.id, partnerId: request.partnerId, thread: { ref: cardRef(request.id) }, stage: 'verify', problem: broken.integrity } as const;
      await reportIntegrityFailure(deps, failure);
      throw new UnrecoverableError(integrityFailureLine(failure));
    }
    const record = request ? await deps.partners.get(request.partnerId) : null;
    if (!request || !record || record.requestId !== request.id) {
      deps.logger.warn({ requestId: payload.requestId, jobId: job.id }, 'verify: no provisioned partner for this request; nothing done');
      throw new UnrecoverableError('no partner record');
    }
    const log = deps.logger.child({ module: 'verify', requestId: request.id, partnerId: request.partnerId, jobId: job.id, attempt: payload.attempt });
    if (record.status === 'live') {
      await deps.onLive(record.partnerId);
      return 'live';
    }
    if (record.status !== 'verifying') {
      log.info({ status: record.status }, 'verify: partner is not waiting for verification; nothing done');
      return record.status;
    }

    const gate = settleGate(record, deps.settleSeconds);
    const early = gate - deps.clock.now().getTime();
    if (early > 0) {
      log.info({ waitMs: early }, 'verify: Transfer has not settled yet; waiting');
      return delayJob(job, token, early);
    }
    const run = deps.runs.of('verify', request.id);
    await run.start(payload.attempt);
    const thread = partnerThread(deps.notify, request.channel, cardRef(request.id));

    const rendered = renderPartner(deps.platform, specOf(request));
    const c: Ctx = { deps, request, rendered, final: isFinal(job, { code: '', message: '', retryable: true }), log };
    const checks: CheckView[] = [];
    let errorCode: string | undefined;
    try {
      if (deps.cp.dryRun) {
        checks.push(...offlineChecks(c));
      } else {
        let sessionPolicy: unknown;
        if (wantsTransferUser(request)) {
          const user = await checkTransferUser(c);
          checks.push(...user.checks);
          sessionPolicy = user.sessionPolicy;
        }
        checks.push(...(await checkDeployedDocuments(c, sessionPolicy)));
        checks.push(...(await runS3Probes(deps, request, rendered)));
        if (!wantsTransferUser(request)) {
          checks.push({ label: 'SFTP probe', outcome: 'skipped', detail: 'no Transfer user' });
        } else if (!deps.sftp) {
          checks.push({ label: 'SFTP probe', outcome: 'skipped', detail: 'no SFTP endpoint is configured' });
        } else {
          checks.push(...(await runSftpProbe(deps.cp, rendered.transferUser.UserName, deps.sftp, log)));
        }
      }
    } catch (err) {
      const failure = failureOf(err);
      if (!isFinal(job, failure)) {
        log.warn({ code: failure.code, tries: job.attemptsMade + 1 }, 'verify: not conclusive yet; BullMQ retries with backoff');
        throw err;
      }
      errorCode = failure.code;
      checks.push({ label: 'verification could not finish', outcome: 'fail', detail: `${failureAdvice(failure.code).what} (${failure.message})` });
    }

    const failed = checks.filter((k) => k.outcome === 'fail');
    const result = failed.length === 0 ? 'live' : 'verify_failed';
    const at = deps.clock.now().toISOString();
    const recorded = await deps.partners.apply(request.partnerId, result === 'live' ? 'verified' : 'verify-failed', {
      ...(result === 'live' ? { verifiedAt: at, dryRun: deps.cp.dryRun } : {}),
      updatedAt: at,
    });
    if (!recorded) {
      // Offboarded (say) while the probes ran: the result must not bring the partner back.
      const now = (await deps.partners.get(request.partnerId))?.status ?? 'gone';
      log.warn({ status: now, result }, 'verify: the partner changed status during verification; result not recorded');
      await thread.post({ text: verifyNotRecordedText(request.partnerId, result === 'live', now.replace('_', ' ')) });
      return now;
    }
    await deps.audit?.({
      type: 'verify.result', partnerId: request.partnerId, requestId: request.id, actor: 'partnergate',
      details: {
        result: result === 'live' ? 'LIVE' : 'VERIFY_FAILED', attempt: payload.attempt, dryRun: deps.cp.dryRun, ...(errorCode !== undefined ? { code: errorCode } : {}),
        checks: checks.map((k) => ({ label: k.label, outcome: k.outcome, ...(k.detail !== undefined ? { detail: k.detail } : {}) })),
      },
    });
    await thread.post(
      buildVerifyChecklist({ requestId: request.id, partnerId: request.partnerId, attempt: payload.attempt, dryRun: deps.cp.dryRun, checks, result, approvers: deps.approverNames }),
      threadRefs.verifyResult(request.id, payload.attempt),
    );
    const told = result === 'live'
      ? buildLiveDm({ partnerId: request.partnerId, displayName: request.displayName, dryRun: deps.cp.dryRun, at })
      : buildFailedDm({
        partnerId: request.partnerId, stage: 'verification', failed: failed[0]!.label, approvers: deps.approverNames, channel: request.channel,
        cause: failed.length > 1 ? `${failed[0]!.detail ?? 'failed'}, and ${failed.length - 1} more check${failed.length > 2 ? 's' : ''} failed` : failed[0]!.detail ?? 'the check failed',
      });
    await deps.notify(directMessages([request.requestedBy], told));
    if (result === 'verify_failed') {
      const first = failed[0]!;
      await run.fail({ attempt: payload.attempt, step: first.label, label: first.label, code: 'VERIFY_FAILED', message: first.detail ?? first.label, at });
      log.warn({ failed: failed.map((k) => k.label) }, 'verification failed');
      throw new UnrecoverableError(`verification failed: ${failed.map((k) => k.label).join('; ')}`);
    }
    log.info({ dryRun: deps.cp.dryRun }, 'partner is LIVE');
    await deps.onLive(request.partnerId);
    return 'live';
  };
}
