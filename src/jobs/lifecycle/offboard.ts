/**
 * The offboard job (queue `offboard`, one job per approved change, id `offboard-<changeId>`):
 * re-checks the approval, then the step runner (../platform/step-runner.ts) runs the steps of
 * ./offboard-steps.ts in order, skipping those a previous try finished (the partner's offboarding
 * run record) and re-reading AWS for the rest, so a crash at any point resumes without doing
 * anything twice. Each step is reported in the partner's thread (one checklist, updated) and
 * audited. Then the probes prove access is gone, and the evidence is posted once. Throttling, 5xx and network errors back off and retry; everything else fails at
 * once (UnrecoverableError) with the step and the AWS error in the thread.
 */
import { UnrecoverableError, type Job, type Queue } from 'bullmq';
import { ConflictError, ErrorCode } from '../../domain/errors.js';
import { withMentions } from '../../bot/messages/mrkdwn.js';
import { buildOffboardEvidence, buildOffboardProgress, offboardRefusedText, offboardStoppedText } from '../../bot/messages/offboard.js';
import type { CheckView } from '../../bot/messages/verify.js';
import type { ChangeRequest } from '../../domain/requests.js';
import type { PartnerRecord } from '../../domain/partner.js';
import { partnerThread } from '../../actions/partner-thread.js';
import { OFFBOARD_STEPS, type OffboardContext } from './offboard-steps.js';
import { approvedChange, type ChangeJobDeps } from './approved-change.js';
import { QUEUE_NAMES, retriedJob } from '../platform/queues.js';
import { runSteps } from '../platform/step-runner.js';

export const OFFBOARD_QUEUE = QUEUE_NAMES.offboard;
export const OFFBOARD_JOB = 'offboard';
export const OFFBOARD_TRIES = 8;

export interface OffboardPayload {
  changeId: string;
}

export const offboardJobId = (changeId: string): string => `offboard-${changeId}`;

export async function addOffboardJob(queue: Pick<Queue<OffboardPayload>, 'add'>, changeId: string, tries = OFFBOARD_TRIES): Promise<void> {
  await queue.add(OFFBOARD_JOB, { changeId }, retriedJob(offboardJobId(changeId), tries));
}

export interface OffboardDeps extends Omit<OffboardContext, 'change' | 'partner' | 'run' | 'inputs'>, ChangeJobDeps {
  /** Proves access is gone (./offboard-probes.ts). */
  prove: (partner: PartnerRecord, change: ChangeRequest) => Promise<CheckView[]>;
}

export function createOffboardProcessor(deps: OffboardDeps) {
  return async function processOffboard(job: Job<OffboardPayload>): Promise<{ partnerId: string; checks: CheckView[] }> {
    const { change, problem } = await approvedChange(deps, job.data.changeId, ['offboard'], 'offboard');
    if (problem || !change) {
      deps.logger.warn({ changeId: job.data.changeId, problem }, 'offboarding refused');
      if (change) {
        await deps.notify({ op: 'post', channel: change.channel, thread: { ref: change.threadRef }, text: offboardRefusedText(change.partnerId, withMentions(String(problem))) });
        await deps.audit({ type: 'offboard.failed', partnerId: change.partnerId, requestId: change.id, actor: 'partnergate', details: { refused: problem } });
      }
      throw new UnrecoverableError(`offboarding refused: ${problem}`);
    }
    const partnerId = change.partnerId;
    const log = deps.logger.child({ changeId: change.id, partnerId, attempt: job.attemptsMade + 1 });
    const partner = await deps.partners.get(partnerId);
    if (!partner) throw new UnrecoverableError(`partner ${partnerId} is not in the registry`);
    // One offboarding per partner, for good: the first change's inputs hold for every resume.
    const run = deps.runs.of('offboard', partnerId);
    const now = deps.clock.now().toISOString();
    const record = await run.start(1, { changeId: change.id, startedAt: now, previousStatus: partner.status });
    const { inputs } = record;
    if (inputs.changeId !== change.id) throw new UnrecoverableError(`partner ${partnerId} is already being offboarded by change ${inputs.changeId}`);

    const thread = partnerThread(deps.notify, change.channel, change.threadRef);
    const steps = await runSteps({
      steps: OFFBOARD_STEPS, ctx: { ...deps, change, partner, run, inputs }, run, record, job, clock: deps.clock, log,
      checklist: { thread, ref: `offboard:${change.id}`, render: (views, outcome) => buildOffboardProgress({ partnerId, dryRun: deps.cp.dryRun, steps: views, outcome }) },
      done: (step, r) => deps.audit({ type: 'offboard.step', partnerId, requestId: change.id, actor: 'partnergate', details: { step: step.name, state: r.state, detail: r.detail } }),
      failed: async (step, f) => {
        await thread.post({ text: offboardStoppedText({ partnerId, stepLabel: step.label, code: f.code }) });
        await deps.audit({ type: 'offboard.failed', partnerId, requestId: change.id, actor: 'partnergate', details: { step: step.name, code: f.code, message: f.message } });
      },
    });

    const checks = await deps.prove((await deps.partners.get(partnerId)) ?? partner, change);
    const failedChecks = checks.filter((c) => c.outcome === 'fail');
    const final = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    if (failedChecks.length > 0 && !final) {
      // IAM and Transfer are eventually consistent: look again after the backoff.
      throw new ConflictError(ErrorCode.AccessNotYetGone, `probes still see access: ${failedChecks.map((c) => c.label).join('; ')}`, { retryable: true });
    }
    await run.once('evidence', async () => {
      const finishedAt = deps.clock.now().toISOString();
      await steps.finish(failedChecks.length > 0 ? 'failed' : 'done');
      await thread.post(buildOffboardEvidence({ change, startedAt: inputs.startedAt, steps: steps.views, checks, finishedAt, dryRun: deps.cp.dryRun }));
      await deps.audit({
        type: failedChecks.length > 0 ? 'offboard.failed' : 'offboard.completed', partnerId, requestId: change.id, actor: 'partnergate',
        details: {
          requestedBy: change.requestedBy, approvedBy: change.decision?.by, approvedAt: change.decision?.at, startedAt: inputs.startedAt, finishedAt,
          prefix: change.spec.kind === 'offboard' ? change.spec.prefix : undefined, dryRun: deps.cp.dryRun,
          steps: Object.fromEntries(OFFBOARD_STEPS.map((s, i) => [s.name, `${steps.views[i]!.state}: ${steps.views[i]!.detail}`])),
          probes: checks.map((c) => `${c.outcome}: ${c.label}${c.detail ? ` (${c.detail})` : ''}`),
        },
      });
    });
    log.info({ failedChecks: failedChecks.length }, 'offboarding finished');
    return { partnerId, checks };
  };
}
