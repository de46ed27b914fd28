/**
 * The partner registry: one JSON record per partner, a set of all partner ids, and per feed the
 * set of its subscribers. Status changes that release work (going LIVE) are single Lua scripts so
 * that a delivery parked for a partner is released exactly once.
 */
import type { Redis } from 'ioredis';

export type PartnerStatus = 'provisioning' | 'provision_failed' | 'verifying' | 'verify_failed' | 'live' | 'offboarded';

export interface PartnerRecord {
  partnerId: string;
  requestId: string;
  displayName: string;
  contactEmail: string;
  accountId: string | null;
  /** Secret-ish: never logged. */
  externalId: string;
  feeds: string[];
  /** Normalized public keys. */
  sshKeys: string[];
  /** When each key (by its normalized text) was added after provisioning; absent: at provisionedAt. */
  keyAddedAt?: Record<string, string>;
  status: PartnerStatus;
  /** Steps completed by the provision job, in order (resume from the first missing one). */
  steps: string[];
  /** The notify ref of the partner's thread (the request card). */
  threadRef: string;
  channel: string;
  approvedBy: string;
  provisionedAt: string | null;
  verifiedAt: string | null;
  transferUserCreatedAt: string | null;
  dryRun: boolean;
  updatedAt: string;
}

export const partnerKeys = (prefix: string) => ({
  record: (id: string) => `${prefix}:partner:${id}`,
  all: () => `${prefix}:partners`,
  live: () => `${prefix}:partners:live`,
  feed: (feed: string) => `${prefix}:feed:${feed}`,
});

// KEYS: record, all, live, feed sets...; ARGV: JSON, status, id
const SAVE = `
redis.call('SET', KEYS[1], ARGV[1])
redis.call('SADD', KEYS[2], ARGV[3])
if ARGV[2] == 'live' then redis.call('SADD', KEYS[3], ARGV[3]) else redis.call('SREM', KEYS[3], ARGV[3]) end
for i = 4, #KEYS do
  if ARGV[2] == 'offboarded' then redis.call('SREM', KEYS[i], ARGV[3]) else redis.call('SADD', KEYS[i], ARGV[3]) end
end
return 1
`;

export class PartnerStore {
  private readonly k: ReturnType<typeof partnerKeys>;
  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.k = partnerKeys(prefix);
  }

  async get(partnerId: string): Promise<PartnerRecord | null> {
    const raw = await this.redis.get(this.k.record(partnerId));
    return raw ? (JSON.parse(raw) as PartnerRecord) : null;
  }

  /** Writes the record and keeps the indexes (all, live, feed subscribers) in step, atomically. */
  async save(record: PartnerRecord): Promise<void> {
    const feedKeys = record.feeds.map((f) => this.k.feed(f));
    await this.redis.eval(SAVE, 3 + feedKeys.length, this.k.record(record.partnerId), this.k.all(), this.k.live(), ...feedKeys,
      JSON.stringify(record), record.status, record.partnerId);
  }

  /** Reads, changes and writes a record under WATCH, retrying on a concurrent change. */
  async update(partnerId: string, change: (r: PartnerRecord) => PartnerRecord): Promise<PartnerRecord | null> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const key = this.k.record(partnerId);
      await this.redis.watch(key);
      const raw = await this.redis.get(key);
      if (!raw) {
        await this.redis.unwatch();
        return null;
      }
      const previous = JSON.parse(raw) as PartnerRecord;
      const next = change(previous);
      const feedKeys = next.feeds.map((f) => this.k.feed(f));
      const tx = this.redis.multi();
      for (const dropped of previous.feeds.filter((f) => !next.feeds.includes(f))) tx.srem(this.k.feed(dropped), partnerId);
      const result = await tx
        .eval(SAVE, 3 + feedKeys.length, key, this.k.all(), this.k.live(), ...feedKeys, JSON.stringify(next), next.status, partnerId)
        .exec();
      if (result) return next;
    }
    throw new Error(`partner ${partnerId}: too many concurrent updates`);
  }

  async subscribers(feed: string): Promise<string[]> {
    return this.redis.smembers(this.k.feed(feed));
  }

  async allIds(): Promise<string[]> {
    return this.redis.smembers(this.k.all());
  }

  async liveIds(): Promise<string[]> {
    return this.redis.smembers(this.k.live());
  }
}
