import { describe, expect, it } from 'vitest';
import { CHAIN_START, chainedBody, hashAuditObject, parseChainHead, parseChainLink, type ChainHead } from '../../../src/domain/audit-chain.js';
import { auditBatchKey, makeAuditRecord, parseAuditObject } from '../../../src/domain/audit-record.js';
import { digestAuditObject, formatChainReport, verifyAuditChain, type AuditObjectDigest } from '../../../src/domain/audit-verify.js';

const AT = Date.parse('2026-11-27T10:00:00Z');

/** `n` chained batches of one record each, a second apart, as the flush writes them. */
function chain(n: number, head: ChainHead = CHAIN_START): { key: string; text: string }[] {
  const out: { key: string; text: string }[] = [];
  let h = head;
  for (let i = 0; i < n; i += 1) {
    const r = makeAuditRecord({ type: 'keys.changed', partnerId: 'acme', details: { i } }, new Date(AT + i * 1000), () => `00000000000${i.toString(16)}`);
    const key = auditBatchKey(r);
    const { body, head: next } = chainedBody(h, key, [JSON.stringify(r)]);
    out.push({ key, text: body });
    h = next;
  }
  return out;
}

const digests = (objects: { key: string; text: string }[]): AuditObjectDigest[] => objects.map((o) => digestAuditObject(o.key, o.text));
const headOfLast = (objects: { key: string; text: string }[]): ChainHead => ({ seq: objects.length, hash: hashAuditObject(objects.at(-1)!.text), key: objects.at(-1)!.key });

describe('the audit chain link', () => {
  it('when a batch is chained, then the same head, key and lines give the same bytes, and the next head is the hash of those bytes', () => {
    const a = chainedBody(CHAIN_START, 'audit/2026/11/27/x.jsonl', ['{"a":1}']);
    expect(chainedBody(CHAIN_START, 'audit/2026/11/27/x.jsonl', ['{"a":1}'])).toEqual(a);
    expect(a.body).toBe('{"chain":{"v":1,"seq":1,"key":"audit/2026/11/27/x.jsonl","prev":null,"prevKey":null}}\n{"a":1}\n');
    expect(a.head).toEqual({ seq: 1, hash: hashAuditObject(a.body), key: 'audit/2026/11/27/x.jsonl' });
    expect(a.head.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    const b = chainedBody(a.head, 'audit/2026/11/27/y.jsonl', ['{"a":2}']);
    expect(parseChainLink(b.body)).toEqual({ v: 1, seq: 2, key: 'audit/2026/11/27/y.jsonl', prev: a.head.hash, prevKey: 'audit/2026/11/27/x.jsonl' });
  });

  it('when a first line only looks like a link, then it is not one', () => {
    const h = hashAuditObject('x');
    expect(parseChainLink('{"id":"r"}\n')).toBeNull();
    expect(parseChainLink(`{"chain":{"v":2,"seq":1,"key":"audit/x","prev":null,"prevKey":null}}\n`)).toBeNull();
    expect(parseChainLink(`{"chain":{"v":1,"seq":2,"key":"audit/x","prev":null,"prevKey":null}}\n`)).toBeNull(); // only seq 1 has no previous
    expect(parseChainLink(`{"chain":{"v":1,"seq":2,"key":"audit/x","prev":"md5:00","prevKey":"audit/w"}}\n`)).toBeNull();
    expect(parseChainLink(`{"chain":{"v":1,"seq":2,"key":"audit/x","prev":"${h}","prevKey":"audit/w"}}\n`)).toMatchObject({ seq: 2 });
    expect(parseChainLink(`{"id":"r"}\n{"chain":{"v":1,"seq":1,"key":"audit/x","prev":null,"prevKey":null}}\n`)).toBeNull();
  });

  it('when a chained object is read as records, then the link line is skipped and every record is there', () => {
    const [o] = chain(1);
    expect(parseAuditObject(o!.text)!.map((r) => r.details['i'])).toEqual([0]);
  });

  it('when a head is stored and read back, then it is the same; anything else is no head', () => {
    const head = headOfLast(chain(2));
    expect(parseChainHead(JSON.stringify(head))).toEqual(head);
    expect(parseChainHead(JSON.stringify(CHAIN_START))).toEqual(CHAIN_START);
    expect(parseChainHead(null)).toBeNull();
    expect(parseChainHead('{"seq":3}')).toBeNull();
    expect(parseChainHead('not json')).toBeNull();
  });
});

describe('verifying the chain', () => {
  it('when the chain is whole, then there is no problem; without a head, the newest batch is said to be checked against nothing', () => {
    const objects = chain(3);
    expect(verifyAuditChain(digests(objects), headOfLast(objects))).toMatchObject({ chained: 3, problems: [], notes: [] });
    const r = verifyAuditChain(digests(objects), null);
    expect(r.problems).toEqual([]);
    expect(r.notes).toEqual([expect.stringMatching(/^no chain head to compare with: the newest batch, .* \(seq 3\), is checked against nothing/)]);
  });

  it('when two batches in a row or the first one are gone, then each gap is one problem at the key of the last missing batch', () => {
    const objects = chain(6);
    const r = verifyAuditChain(digests([objects[2]!, objects[5]!]), headOfLast(objects));
    expect(r.problems).toEqual([
      { key: objects[1]!.key, kind: 'missing', detail: `batches seq 1–2 are not in the bucket (named as previous by ${objects[2]!.key} (seq 3))` },
      { key: objects[4]!.key, kind: 'missing', detail: `batches seq 4–5 are not in the bucket (named as previous by ${objects[5]!.key} (seq 6))` },
    ]);
  });

  it('when two objects claim one seq, then the second is reported as a fork', () => {
    const objects = chain(2);
    const forged = { key: `${objects[1]!.key.slice(0, -6)}f.jsonl`, text: objects[1]!.text.replace(objects[1]!.key, `${objects[1]!.key.slice(0, -6)}f.jsonl`) };
    const r = verifyAuditChain(digests([...objects, forged]), headOfLast(objects));
    expect(r.problems).toContainEqual({ key: forged.key, kind: 'forked', detail: `claims seq 2, as ${objects[1]!.key} does` });
  });

  it('when an object under audit/ is neither records nor chained, or a chained one no longer parses, then each is named', () => {
    const objects = chain(2);
    const damaged = { key: objects[0]!.key, text: `${objects[0]!.text.split('\n')[0]}\nnot a record\n` };
    const r = verifyAuditChain(digests([damaged, objects[1]!, { key: 'audit/2026/11/27/zz.json', text: 'hello' }]), headOfLast(objects));
    expect(r.problems.map((p) => [p.key, p.kind])).toEqual([
      [objects[0]!.key, 'edited'], // its records do not parse
      [objects[0]!.key, 'edited'], // and it no longer hashes to what seq 2 recorded
      ['audit/2026/11/27/zz.json', 'unreadable'],
    ]);
  });

  it('when the bucket holds batches after the head in Redis, then that is a note (a flush not finished), not a break', () => {
    const objects = chain(3);
    const r = verifyAuditChain(digests(objects), { seq: 2, hash: hashAuditObject(objects[1]!.text), key: objects[1]!.key });
    expect(r.problems).toEqual([]);
    expect(r.notes).toEqual(['1 batch(es) after the chain head in Redis (seq 3–3): a flush not finished yet, or written by something else']);
    expect(formatChainReport(r).at(-1)).toBe('OK: no batch missing, edited, moved or added outside the chain');
  });

  it('when nothing is chained yet, then the objects before are counted and nothing is a problem', () => {
    const r = makeAuditRecord({ type: 'keys.changed', details: {} }, new Date(AT), () => '00000000000a');
    const report = verifyAuditChain([digestAuditObject(auditBatchKey(r), `${JSON.stringify(r)}\n`)], CHAIN_START);
    expect(report).toMatchObject({ objects: 1, chained: 0, unchainedBefore: 1, problems: [], notes: [] });
    expect(formatChainReport(report)).toEqual([
      'audit trail: 1 object(s) under audit/, 0 batch(es) chained',
      'unchained: 1 object(s), nothing chained yet, not checked',
      'chain head in Redis: nothing chained yet',
      'OK: no batch missing, edited, moved or added outside the chain',
    ]);
  });
});
