/**
 * The run of a partner's offboarding: which change started it, when (the instant before which the
 * role's sessions are revoked, fixed at the first try so every resume writes the same deny), the
 * status the partner had, each finished step and its outcome, and one-off facts (the evidence was
 * posted). One hash per partner, `P:offboard:<partnerId>`, kept for good: it is the evidence.
 */
import type { Redis } from 'ioredis';
import type { OffboardRun, StepOutcome } from '../domain/offboard-run.js';



// KEYS: run hash; ARGV: change id, now ISO, previous status. Sets the start once; answers the holder.
const BEGIN = `
local holder = redis.call('HGET', KEYS[1], 'changeId')
if holder then return holder end
redis.call('HSET', KEYS[1], 'changeId', ARGV[1], 'startedAt', ARGV[2], 'revokeBefore', ARGV[2], 'previousStatus', ARGV[3])
return ARGV[1]
`;

export class OffboardRuns {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(partnerId: string): string {
    return `${this.prefix}:offboard:${partnerId}`;
  }

  /** Starts the run for `changeId` (or finds it started); the change id that owns the run. */
  async begin(partnerId: string, changeId: string, now: Date, previousStatus: string): Promise<string> {
    return (await this.redis.eval(BEGIN, 1, this.key(partnerId), changeId, now.toISOString(), previousStatus)) as string;
  }

  async get(partnerId: string): Promise<OffboardRun | null> {
    const h = await this.redis.hgetall(this.key(partnerId));
    if (!h['changeId']) return null;
    const steps: Record<string, StepOutcome> = {};
    for (const [field, value] of Object.entries(h)) if (field.startsWith('step:')) steps[field.slice(5)] = JSON.parse(value) as StepOutcome;
    return {
      changeId: h['changeId'],
      startedAt: h['startedAt'] ?? '',
      revokeBefore: h['revokeBefore'] ?? '',
      previousStatus: h['previousStatus'] ?? '',
      steps,
      archived: Number(h['archived'] ?? 0),
    };
  }

  async markStep(partnerId: string, step: string, outcome: StepOutcome): Promise<void> {
    await this.redis.hset(this.key(partnerId), `step:${step}`, JSON.stringify(outcome));
  }

  async countArchived(partnerId: string, n: number): Promise<void> {
    await this.redis.hincrby(this.key(partnerId), 'archived', n);
  }

  /** Records a one-off fact; true the first time only. */
  async once(partnerId: string, fact: string): Promise<boolean> {
    return (await this.redis.hsetnx(this.key(partnerId), `fact:${fact}`, '1')) === 1;
  }

  /**
   * What a step is about to remove, written before it acts (first write wins): a resume that finds
   * the thing already gone still reports what was removed.
   */
  async intend(partnerId: string, step: string, detail: string): Promise<string> {
    const key = this.key(partnerId);
    await this.redis.hsetnx(key, `intent:${step}`, detail);
    return (await this.redis.hget(key, `intent:${step}`)) ?? detail;
  }

  async intentOf(partnerId: string, step: string): Promise<string | null> {
    return this.redis.hget(this.key(partnerId), `intent:${step}`);
  }

  async has(partnerId: string, fact: string): Promise<boolean> {
    return (await this.redis.hexists(this.key(partnerId), `fact:${fact}`)) === 1;
  }
}
