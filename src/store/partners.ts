/**
 * The partner registry: one JSON record per partner, a set of all partner ids, per feed the set of
 * its subscribers, and the SSH key index (which partner holds each key: src/domain/ssh-key-holder.ts)
 * — written with the record in one script, so a key is registered and changed exactly when the
 * record says so (an offboarded partner's keys are freed by `freeKeys`, once its Transfer user is
 * gone). Status changes that release work (going LIVE) are single Lua scripts so
 * that a delivery parked for a partner is released exactly once; a status changes only by a
 * lifecycle event (apply), which refuses what src/domain/partner-lifecycle.ts does not allow.
 */
import type { Redis } from 'ioredis';
import type { PartnerRecord } from '../domain/partner.js';
import { summaryOf, type PartnerSummary } from '../domain/home.js';
import { nextStatus, type PartnerEvent } from '../domain/partner-lifecycle.js';
import { ConflictError, ErrorCode, InternalError } from '../domain/errors.js';
import { keyInUseMessage, keyRefs, keysHeldElsewhere, readHolder, registeredTo, sharedKeys, conflictOf, type KeyInUse } from '../domain/ssh-key-holder.js';
import { keys } from './keys.js';
import { mgetMany } from './mget-many.js';
import { runScript } from './run-script.js';
import { KEY_HOLDER_LUA, REINDEX_KEYS } from './ssh-key-scripts.js';

/** What a lifecycle event writes with the status: at least when. */
export type StatusPatch = Partial<Omit<PartnerRecord, 'status' | 'partnerId'>> & { updatedAt: string };

export const partnerKeys = (prefix: string) => ({
  record: (id: string) => `${prefix}:partner:${id}`,
  all: () => `${prefix}:partners`,
  live: () => `${prefix}:partners:live`,
  quarantined: () => `${prefix}:partners:quarantined`,
  /** The Home's summary of each partner (docs/app-home.md), written with the record. */
  summaries: () => `${prefix}:home:partners`,
  feed: (feed: string) => `${prefix}:feed:${feed}`,
  sshKeys: () => keys(prefix).sshKeyHolders(),
});

/** How a write treats a key it adds that another partner holds: refuse the write (always, but for a rebuild), or leave the key's holder as it is. */
export type HeldKeys = 'refuse' | 'leave';

/** One SSH key found on several partners by a re-index, and who. */
export interface KeyConflict {
  fingerprint: string;
  type: string;
  partnerIds: string[];
  /** How: registered to each, or registered to one and claimed by another's pending request or change. */
  how: 'registered' | 'claimed';
}

/**
 * Writes a record and keeps its indexes in step, in one step. With an expected value (ARGV[5] = '1')
 * it is a compare-and-set: nothing is written unless the record is still exactly ARGV[1] (0 is
 * answered). Connections are shared by every store and job of a process, so no WATCH: a WATCH is
 * per connection, and one caller's EXEC would clear another's.
 * SSH keys, by fingerprint: those the record dropped are freed (if registered to it); those it has
 * are registered to it where free or held by its own claim. An offboarded record's keys stay
 * registered until `freeKeys` (the offboarding, once the Transfer user that carries them is gone).
 * With ARGV[7] = '1' a key the record adds that another partner holds refuses the whole write
 * ('!key:<fingerprint> <holder>' is answered, nothing written).
 * KEYS: record, all, live, SSH key index, quarantined, the Home's summaries, the ARGV[6] feed sets the
 * partner leaves, the feed sets it is in.
 * ARGV: expected JSON, new JSON, status, id, check ('1' | '0'), number of feed sets left, refuse held
 * keys ('1' | '0'), number of fingerprints dropped (d), number kept (k), the Home's summary JSON, then
 * the d dropped, the k kept and the added fingerprints.
 */
const WRITE = `${KEY_HOLDER_LUA}
if ARGV[5] == '1' and redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local id, index = ARGV[4], KEYS[4]
local offboarded = ARGV[3] == 'offboarded'
local dropped, kept = tonumber(ARGV[8]), tonumber(ARGV[9])
local first = 11
if ARGV[7] == '1' and not offboarded then
  for j = first + dropped + kept, #ARGV do
    local v = redis.call('HGET', index, ARGV[j])
    if v and owner(v) ~= id then return '!key:' .. ARGV[j] .. ' ' .. v end
  end
end
local left = tonumber(ARGV[6])
for i = 7, 6 + left do redis.call('SREM', KEYS[i], id) end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('SADD', KEYS[2], id)
if ARGV[3] == 'live' then redis.call('SADD', KEYS[3], id) else redis.call('SREM', KEYS[3], id) end
if ARGV[3] == 'quarantined' then redis.call('SADD', KEYS[5], id) else redis.call('SREM', KEYS[5], id) end
redis.call('HSET', KEYS[6], id, ARGV[10])
for i = 7 + left, #KEYS do
  if offboarded then redis.call('SREM', KEYS[i], id) else redis.call('SADD', KEYS[i], id) end
end
for j = first, first + dropped - 1 do
  if redis.call('HGET', index, ARGV[j]) == id then redis.call('HDEL', index, ARGV[j]) end
end
if not offboarded then
  for j = first + dropped, #ARGV do
    local v = redis.call('HGET', index, ARGV[j])
    if not v or owner(v) == id then redis.call('HSET', index, ARGV[j], id) end
  end
end
return 1
`;

/** Frees an offboarded partner's keys: KEYS record, SSH key index; ARGV id, then fingerprints. 0 when the record is not offboarded. */
const FREE_KEYS = `
local raw = redis.call('GET', KEYS[1])
if not raw or cjson.decode(raw).status ~= 'offboarded' then return 0 end
for j = 2, #ARGV do
  if redis.call('HGET', KEYS[2], ARGV[j]) == ARGV[1] then redis.call('HDEL', KEYS[2], ARGV[j]) end
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

  /**
   * Writes a new (or rebuilt) record and keeps the indexes (all, live, feed subscribers, SSH keys) in
   * step, atomically. A key another partner holds throws ConflictError `ssh_key_in_use` with nothing
   * written — unless `heldKeys` is 'leave' (the rebuild, which reports such keys instead).
   */
  async save(record: PartnerRecord, o: { heldKeys?: HeldKeys } = {}): Promise<void> {
    await this.write(record, { expected: null, left: [], previousKeys: [], heldKeys: o.heldKeys ?? 'refuse' });
  }

  /**
   * Reads, changes and writes a record, retrying when it changed in between (compare-and-set);
   * null when there is no such partner. A change that answers the record it was given writes nothing.
   * It may not change the status: that is apply's. A key it adds that another partner holds throws
   * ConflictError `ssh_key_in_use`, nothing written.
   */
  async update(partnerId: string, change: (r: PartnerRecord) => PartnerRecord): Promise<PartnerRecord | null> {
    return this.swap(partnerId, (r) => {
      const next = change(r);
      if (next.status !== r.status) throw new InternalError(ErrorCode.StatusByEvent, `partner ${partnerId}: a status changes only through a lifecycle event`);
      return next;
    });
  }

  /**
   * Moves the partner by a lifecycle event (src/domain/partner-lifecycle.ts) and writes `patch`
   * with it, in one compare-and-set: the one way a status changes. Null, with nothing written, when
   * there is no such partner or the table does not allow the event from its status now.
   */
  async apply(partnerId: string, event: PartnerEvent, patch: StatusPatch | ((r: PartnerRecord) => StatusPatch)): Promise<PartnerRecord | null> {
    let allowed = false;
    const next = await this.swap(partnerId, (r) => {
      const to = nextStatus(r.status, event);
      allowed = to !== null;
      return to ? { ...r, ...(typeof patch === 'function' ? patch(r) : patch), status: to } : r;
    });
    return allowed ? next : null;
  }

  private async swap(partnerId: string, change: (r: PartnerRecord) => PartnerRecord): Promise<PartnerRecord | null> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const raw = await this.redis.get(this.k.record(partnerId));
      if (!raw) return null;
      const previous = JSON.parse(raw) as PartnerRecord;
      const next = change(previous);
      if (next === previous) return previous;
      const left = previous.feeds.filter((f) => !next.feeds.includes(f));
      if (await this.write(next, { expected: raw, left, previousKeys: previous.sshKeys, heldKeys: 'refuse' })) return next;
    }
    throw new Error(`partner ${partnerId}: too many concurrent updates`);
  }

  private async write(record: PartnerRecord, o: { expected: string | null; left: string[]; previousKeys: string[]; heldKeys: HeldKeys }): Promise<boolean> {
    const sets = [...o.left, ...record.feeds].map((f) => this.k.feed(f));
    const now = keyRefs(record.sshKeys);
    const before = new Set(keyRefs(o.previousKeys).map((k) => k.fingerprint));
    const dropped = [...before].filter((fp) => !now.some((k) => k.fingerprint === fp));
    const kept = now.filter((k) => before.has(k.fingerprint));
    const added = now.filter((k) => !before.has(k.fingerprint));
    const written = await runScript(
      this.redis, WRITE, [this.k.record(record.partnerId), this.k.all(), this.k.live(), this.k.sshKeys(), this.k.quarantined(), this.k.summaries(), ...sets],
      [
        o.expected ?? '', JSON.stringify(record), record.status, record.partnerId, o.expected === null ? '0' : '1', o.left.length,
        o.heldKeys === 'refuse' ? '1' : '0', dropped.length, kept.length, JSON.stringify(summaryOf(record)), ...dropped, ...kept.map((k) => k.fingerprint), ...added.map((k) => k.fingerprint),
      ],
    );
    if (typeof written === 'string' && written.startsWith('!key:')) {
      const [fingerprint = '', holder = ''] = written.slice('!key:'.length).split(' ');
      const key = added.find((k) => k.fingerprint === fingerprint)!;
      const held = { ...key, ...readHolder(holder) };
      throw new ConflictError(ErrorCode.SshKeyInUse, `${record.partnerId}: ${keyInUseMessage({ ...held, heldBy: held.partnerIds })}`);
    }
    return written === 1;
  }

  /**
   * Frees the SSH keys of an offboarded partner (false, nothing freed, when it is not offboarded):
   * called once its Transfer user, which carries them, is gone — not before, so that a key cannot be
   * on two Transfer users while an offboarding is stuck.
   */
  async freeKeys(partnerId: string): Promise<boolean> {
    const record = await this.get(partnerId);
    if (!record) return false;
    const fps = keyRefs(record.sshKeys).map((k) => k.fingerprint);
    return (await runScript(this.redis, FREE_KEYS, [this.k.record(partnerId), this.k.sshKeys()], [partnerId, ...fps])) === 1;
  }

  /** Who holds each of `sshKeys` (valid keys only, each fingerprint once) where it is not `partnerId`: its own registrations and claims pass. */
  async keysHeldElsewhere(partnerId: string, sshKeys: readonly string[]): Promise<KeyInUse[]> {
    const refs = keyRefs(sshKeys);
    if (refs.length === 0) return [];
    const holders = await this.redis.hmget(this.k.sshKeys(), ...refs.map((k) => k.fingerprint));
    return keysHeldElsewhere(partnerId, refs, holders);
  }

  /**
   * Rebuilds the SSH key index from the records — every partner not offboarded, and an offboarded
   * one whose Transfer user is still there (`transferUsers`: the partner ids with a user) — each key
   * registered to its partner, stale registrations removed, pending claims kept. A key on two partners is
   * registered to neither — its holder says conflict, so nobody else can take it — and answered, as
   * is a pending claim that a registration of another partner replaced.
   */
  async reindexKeys(o: { transferUsers?: ReadonlySet<string> } = {}): Promise<KeyConflict[]> {
    const records = (await Promise.all((await this.allIds()).map((id) => this.get(id)))).filter(
      (r): r is PartnerRecord => r !== null && (r.status !== 'offboarded' || (o.transferUsers?.has(r.partnerId) ?? false)),
    );
    const shared = sharedKeys(records);
    const want = new Map<string, string>();
    for (const r of records) {
      for (const k of keyRefs(r.sshKeys)) want.set(k.fingerprint, shared.has(k.fingerprint) ? conflictOf(shared.get(k.fingerprint)!.partnerIds) : registeredTo(r.partnerId));
    }
    const replaced = (await runScript(this.redis, REINDEX_KEYS, [this.k.sshKeys()], [...want].flat())) as string[];
    const conflicts: KeyConflict[] = [...shared.values()].map((e) => ({ fingerprint: e.ref.fingerprint, type: e.ref.type, partnerIds: e.partnerIds, how: 'registered' }));
    for (const line of replaced) {
      const [fingerprint = '', holder = ''] = line.split(' ');
      const registered = readHolder(want.get(fingerprint) ?? '').partnerIds;
      const ref = records.flatMap((r) => keyRefs(r.sshKeys)).find((k) => k.fingerprint === fingerprint);
      conflicts.push({ fingerprint, type: ref?.type ?? 'key', partnerIds: [...registered, ...readHolder(holder).partnerIds], how: 'claimed' });
    }
    return conflicts;
  }

  /** The partners subscribed to a feed, by id (a set's order is Redis's own: sorted, so fan-outs and tests see one order). */
  async subscribers(feed: string): Promise<string[]> {
    return (await this.redis.smembers(this.k.feed(feed))).sort();
  }

  async allIds(): Promise<string[]> {
    return this.redis.smembers(this.k.all());
  }

  /** How many partners are QUARANTINED (the operators' gauge), from the index the record's write keeps. */
  async quarantinedCount(): Promise<number> {
    return this.redis.scard(this.k.quarantined());
  }

  async liveIds(): Promise<string[]> {
    return this.redis.smembers(this.k.live());
  }

  /**
   * The records of the LIVE partners, in id order, read in MGETs of 1,000 (one pipeline) rather than
   * one GET each: for the jobs that walk every live partner (the assurance tick, the weekly key
   * reminders, `reconcile`). A partner that left LIVE between the two reads is left out.
   */
  async liveRecords(): Promise<PartnerRecord[]> {
    return (await this.records((await this.liveIds()).sort())).filter((r) => r.status === 'live');
  }

  /** The records of these partners, in their order (those without one left out), in MGETs of 1,000. */
  private async records(ids: readonly string[]): Promise<PartnerRecord[]> {
    return (await mgetMany(this.redis, ids.map((id) => this.k.record(id)))).flatMap((raw) => (raw === null ? [] : [JSON.parse(raw) as PartnerRecord]));
  }

  /**
   * The Home's summary of every partner not offboarded, in one HGETALL. A partner written before
   * the summaries existed is summarised from its record here, once (HSETNX: a write in between wins).
   */
  async summaries(): Promise<PartnerSummary[]> {
    const [stored, count] = await Promise.all([this.redis.hgetall(this.k.summaries()), this.redis.scard(this.k.all())]);
    const all = Object.values(stored).map((v) => JSON.parse(v) as PartnerSummary);
    const missing = all.length >= count ? [] : (await this.allIds()).filter((id) => stored[id] === undefined);
    const found = (await this.records(missing)).map(summaryOf);
    if (found.length > 0) {
      const fill = this.redis.pipeline();
      for (const summary of found) fill.hsetnx(this.k.summaries(), summary.partnerId, JSON.stringify(summary));
      await fill.exec();
    }
    return [...all, ...found].filter((p) => p.status !== 'offboarded');
  }

  /** Ids of partners not offboarded that start with `prefix`, in order, at most `limit` (the Home's id search). */
  async idsStartingWith(prefix: string, limit: number): Promise<string[]> {
    const ids = (await this.redis.hkeys(this.k.summaries())).filter((id) => id.startsWith(prefix)).sort().slice(0, limit * 2);
    if (ids.length === 0) return [];
    const summaries = await this.redis.hmget(this.k.summaries(), ...ids);
    return ids.filter((_, i) => summaries[i] !== null && (JSON.parse(summaries[i]!) as PartnerSummary).status !== 'offboarded').slice(0, limit);
  }
}
