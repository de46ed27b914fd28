/**
 * One-off facts of applying a change, `P:chg-run:<changeId>` (kept 90 days): values fixed at the
 * first try so that a resumed job uses the same ones (the new ExternalId — a secret, like the one
 * the registry holds), and messages already posted.
 */
import type { Redis } from 'ioredis';

const TTL_SECONDS = 90 * 24 * 3600;

export class ChangeRuns {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(changeId: string): string {
    return `${this.prefix}:chg-run:${changeId}`;
  }

  /** The value of `field`, set to `make()` on the first call (first write wins). */
  async fixed(changeId: string, field: string, make: () => string): Promise<string> {
    const key = this.key(changeId);
    const [[, value]] = (await this.redis.multi().hsetnx(key, field, make()).expire(key, TTL_SECONDS).hget(key, field).exec())!.slice(2) as [[null, string]];
    return value;
  }

  async has(changeId: string, fact: string): Promise<boolean> {
    return (await this.redis.hexists(this.key(changeId), `fact:${fact}`)) === 1;
  }

  async mark(changeId: string, fact: string): Promise<void> {
    await this.redis.multi().hset(this.key(changeId), `fact:${fact}`, '1').expire(this.key(changeId), TTL_SECONDS).exec();
  }
}
