import { describe, expect, it } from 'vitest';
import {
  driftHash, driftRecordText, OTHER_EXTERNAL_ID, parseDriftRecord, redactExternalIds, REGISTRY_EXTERNAL_ID, secondApproverItems, wideningItems,
  type DriftDocument, type DriftItem, type DriftState, type DriftSubject,
} from '../../../src/domain/drift.js';

const item = (subject: DriftSubject, state: DriftState, line = `${subject} ${state}`): DriftItem => ({ subject, state, line });

describe('secondApproverItems: what a re-apply may repair only with a second approver', () => {
  it.each([
    ['a missing Transfer user (created)', item('transfer-user', 'missing')],
    ['a missing role (created, with its trust)', item('role', 'missing')],
    ['a missing inline policy (created)', item('inline-policy', 'missing')],
    ['a missing SSH key (a login imported)', item('ssh-key', 'missing')],
    ['a trust policy that differs (rewritten)', item('trust-policy', 'differs')],
  ])('when the drift holds %s, then it needs a second approver', (_what, i) => {
    expect(secondApproverItems([item('inline-policy', 'differs'), i])).toEqual([i]);
  });

  it.each([
    ['an inline policy that differs', item('inline-policy', 'differs')],
    ['an inline policy that is not rendered (deleted)', item('inline-policy', 'extra')],
    ['an SSH key not in the registry (deleted)', item('ssh-key', 'extra')],
    ['a Transfer user whose session policy or home differs', item('transfer-user', 'differs')],
    ['a role path or boundary (not fixable by the bot)', item('role', 'differs')],
    ['a user or role the partner should not have (left for a person)', item('role', 'extra')],
  ])('when the drift holds only %s, then one approver may re-apply it', (_what, i) => {
    expect(secondApproverItems([i])).toEqual([]);
  });
});

describe('wideningItems: what quarantines a live partner', () => {
  it.each([
    ['a trust policy that differs (widened to another account, say)', item('trust-policy', 'differs')],
    ['a role whose partner tag or boundary differs (what the second layer reads, or is)', item('role', 'differs')],
    ['a managed policy attached', item('managed-policy', 'extra')],
    ['an inline policy not rendered', item('inline-policy', 'extra')],
    ['a Transfer user whose session policy or home differs', item('transfer-user', 'differs')],
  ])('when the drift holds %s, then it may widen access', (_what, i) => {
    expect(wideningItems([item('ssh-key', 'missing'), i])).toEqual([i]);
  });

  it('when only something is missing, then nothing widens', () => {
    expect(wideningItems([item('inline-policy', 'missing'), item('ssh-key', 'missing'), item('role', 'missing')])).toEqual([]);
  });
});

describe('driftHash and the drift record', () => {
  const doc = (resource: string): DriftDocument => ({ name: 'IAM role r: inline policy p', actual: { Resource: resource }, intended: { Resource: 'arn:aws:s3:::b/partners/acme/*' } });

  it('when the same lines come with a different document, then it is a different drift', () => {
    const items = [item('inline-policy', 'differs', 'IAM role: inline policy p differs')];
    expect(driftHash({ items, documents: [doc('*')] })).not.toBe(driftHash({ items, documents: [doc('arn:aws:s3:::b/*')] }));
    expect(driftHash({ items, documents: [doc('*')] })).toBe(driftHash({ items: [...items], documents: [doc('*')] }));
    expect(driftHash({ items, documents: [doc('*')] })).toMatch(/^[0-9a-f]{64}$/);
  });

  it('when a record is written and read back, then its hash and items return; a bare hash (older records) reads with no items; anything else is none', () => {
    const drift = { items: [item('trust-policy', 'differs')], documents: [] };
    expect(parseDriftRecord(driftRecordText(drift))).toEqual({ hash: driftHash(drift), items: drift.items });
    expect(parseDriftRecord('f'.repeat(64))).toEqual({ hash: 'f'.repeat(64), items: [] });
    for (const bad of [null, '', 'nope', '{"hash":1}', '[]']) expect(parseDriftRecord(bad), String(bad)).toBeNull();
  });
});

describe('redactExternalIds', () => {
  const REGISTRY = 'r'.repeat(43);
  const OTHER = 'Other+Id=2024,acme@example:eu/west-1_abcdef';
  const trust = (externalId: unknown, sid = 'Partner') => ({ Statement: [{ Sid: sid, Condition: { StringEquals: { 'sts:ExternalId': externalId } } }] });

  it('when the trust policy in AWS has another ExternalId, then both are redacted, told apart, and the value appears nowhere', () => {
    const [d] = redactExternalIds([{ name: `trust ${OTHER}`, actual: trust([OTHER, REGISTRY], `Copy${OTHER}`), intended: trust(REGISTRY) }]);
    const text = JSON.stringify(d);
    expect(text).not.toContain(REGISTRY);
    expect(text).not.toContain(OTHER);
    expect(d!.intended).toEqual(trust(REGISTRY_EXTERNAL_ID));
    expect(d!.actual).toEqual(trust([OTHER_EXTERNAL_ID, REGISTRY_EXTERNAL_ID], `Copy${OTHER_EXTERNAL_ID}`));
    expect(d!.name).toBe(`trust ${OTHER_EXTERNAL_ID}`);
  });

  it('when the ExternalId is the same on both sides, then both read the same (no difference is invented); a key spelled in any case counts', () => {
    const [d] = redactExternalIds([{ name: 't', actual: { Condition: { StringEquals: { 'STS:EXTERNALID': REGISTRY } } }, intended: { Condition: { StringEquals: { 'sts:ExternalId': REGISTRY } } } }]);
    expect(JSON.stringify(d)).not.toContain(REGISTRY);
    expect(d!.actual).toEqual({ Condition: { StringEquals: { 'STS:EXTERNALID': REGISTRY_EXTERNAL_ID } } });
  });

  it('when a short ExternalId is in AWS, then that value is redacted but the same letters elsewhere are left alone', () => {
    const [d] = redactExternalIds([{ name: 't', actual: { ...trust('ab'), Other: 'ab cd' }, intended: trust(REGISTRY) }]);
    expect(d!.actual).toEqual({ ...trust(OTHER_EXTERNAL_ID), Other: 'ab cd' });
  });
});
