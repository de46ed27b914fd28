/**
 * Checking the audit trail's hash chain (./audit-chain.ts) from what is stored: every batch from
 * seq 1 to the newest is there, under the key it was written to, unchanged (each one's hash is what
 * the next one recorded, the newest's what the chain head says). Objects written before the chain
 * began carry no link: they are counted, not checked. Pure: the reader (src/jobs/audit/verify.ts)
 * lists and reads the objects and hands over a digest of each.
 */
import { hashAuditObject, parseChainLink, type ChainHead, type ChainLink } from './audit-chain.js';
import { parseAuditObject } from './audit-record.js';

/** What verification needs of one object: its key, its link, its hash, whether its records parse. */
export interface AuditObjectDigest {
  key: string;
  link: ChainLink | null;
  hash: string;
  readable: boolean;
}

export function digestAuditObject(key: string, text: string): AuditObjectDigest {
  return { key, link: parseChainLink(text), hash: hashAuditObject(text), readable: parseAuditObject(text) !== null };
}

export type ChainProblemKind = 'missing' | 'edited' | 'moved' | 'forked' | 'unchained' | 'unreadable';

export interface ChainProblem {
  /** The key where the chain breaks: the missing, edited or moved object's. */
  key: string;
  kind: ChainProblemKind;
  detail: string;
}

export interface ChainReport {
  objects: number;
  chained: number;
  first: { seq: number; key: string } | null;
  last: { seq: number; key: string } | null;
  /** Objects without a link that sort before the first chained one: written before the chain began. */
  unchainedBefore: number;
  head: ChainHead | null;
  /** In key order (the trail's time order); the first is the first break. */
  problems: ChainProblem[];
  notes: string[];
}

const at = (d: AuditObjectDigest) => `${d.key} (seq ${d.link!.seq})`;

/** `digests` in any order; `head` as kept in Redis (null when it could not be read). */
export function verifyAuditChain(digests: readonly AuditObjectDigest[], head: ChainHead | null): ChainReport {
  const sorted = [...digests].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const chained = sorted.filter((d) => d.link !== null);
  const firstKey = chained[0]?.key;
  const problems: ChainProblem[] = [];
  const notes: string[] = [];
  let unchainedBefore = 0;

  for (const d of sorted) {
    if (d.link !== null) {
      if (!d.readable) problems.push({ key: d.key, kind: 'edited', detail: `seq ${d.link.seq}: its records do not parse` });
      if (d.link.key !== d.key) problems.push({ key: d.key, kind: 'moved', detail: `holds the batch written as ${d.link.key} (seq ${d.link.seq}): batches were moved or swapped` });
    } else if (!d.readable) {
      problems.push({ key: d.key, kind: 'unreadable', detail: 'not audit records, and no chain link' });
    } else if (firstKey === undefined || d.key < firstKey) {
      unchainedBefore += 1;
    } else {
      problems.push({ key: d.key, kind: 'unchained', detail: `no chain link, but written after the chain began (${firstKey}): not written by the audit flush` });
    }
  }

  const bySeq = new Map<number, AuditObjectDigest>();
  for (const d of chained) {
    const other = bySeq.get(d.link!.seq);
    if (other) problems.push({ key: d.key, kind: 'forked', detail: `claims seq ${d.link!.seq}, as ${other.key} does` });
    else bySeq.set(d.link!.seq, d);
  }
  const maxSeq = Math.max(0, ...bySeq.keys());

  let prev: AuditObjectDigest | undefined;
  let missingFrom: number | null = null;
  for (let seq = 1; seq <= maxSeq; seq += 1) {
    const d = bySeq.get(seq);
    if (!d) {
      missingFrom ??= seq;
      continue;
    }
    const link = d.link!;
    if (missingFrom !== null) {
      const run = missingFrom === seq - 1 ? `batch seq ${seq - 1} is` : `batches seq ${missingFrom}–${seq - 1} are`;
      problems.push({ key: link.prevKey ?? d.key, kind: 'missing', detail: `${run} not in the bucket (named as previous by ${at(d)})` });
      missingFrom = null;
    } else if (prev && link.prev !== prev.hash) {
      problems.push({ key: prev.key, kind: 'edited', detail: `seq ${prev.link!.seq} does not hash to what ${at(d)} recorded: changed after it was written` });
    }
    prev = d;
  }

  if (head === null) {
    if (prev) notes.push(`no chain head to compare with: the newest batch, ${at(prev)}, is checked against nothing, and newer ones could be gone unnoticed`);
  } else if (head.seq > maxSeq) {
    const run = head.seq === maxSeq + 1 ? `batch seq ${head.seq} is` : `batches seq ${maxSeq + 1}–${head.seq} are`;
    problems.push({ key: head.key!, kind: 'missing', detail: `the newest ${run} not in the bucket (the chain head in Redis names ${head.key}, seq ${head.seq})` });
  } else if (head.seq > 0) {
    const d = bySeq.get(head.seq);
    if (d && d.hash !== head.hash) problems.push({ key: d.key, kind: 'edited', detail: `seq ${head.seq}, the newest, does not hash to the chain head kept in Redis: changed after it was written` });
    if (maxSeq > head.seq) notes.push(`${maxSeq - head.seq} batch(es) after the chain head in Redis (seq ${head.seq + 1}–${maxSeq}): a flush not finished yet, or written by something else`);
  }

  problems.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const first = bySeq.get(Math.min(...bySeq.keys()));
  const last = bySeq.get(maxSeq);
  return {
    objects: sorted.length,
    chained: chained.length,
    first: first ? { seq: first.link!.seq, key: first.key } : null,
    last: last ? { seq: last.link!.seq, key: last.key } : null,
    unchainedBefore,
    head,
    problems,
    notes,
  };
}

/** The report as lines for `partnergate audit --verify`. */
export function formatChainReport(r: ChainReport): string[] {
  const lines: string[] = [];
  const span = r.first && r.last ? ` (seq ${r.first.seq}–${r.last.seq}: ${r.first.key} … ${r.last.key})` : '';
  lines.push(`audit trail: ${r.objects} object(s) under audit/, ${r.chained} batch(es) chained${span}`);
  if (r.unchainedBefore > 0) {
    lines.push(r.first
      ? `unchained (before ${r.first.key}): ${r.unchainedBefore} object(s) written before the chain began, not checked`
      : `unchained: ${r.unchainedBefore} object(s), nothing chained yet, not checked`);
  }
  if (r.head) lines.push(r.head.seq === 0 ? 'chain head in Redis: nothing chained yet' : `chain head in Redis: seq ${r.head.seq}, ${r.head.key}`);
  for (const n of r.notes) lines.push(`note: ${n}`);
  if (r.problems.length === 0) {
    lines.push('OK: no batch missing, edited, moved or added outside the chain');
    return lines;
  }
  lines.push(`BROKEN: ${r.problems.length} problem(s); first break at ${r.problems[0]!.key}`);
  for (const p of r.problems) lines.push(`  ${p.kind.padEnd(10)} ${p.key}: ${p.detail}`);
  return lines;
}
