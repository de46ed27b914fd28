import { describe, expect, it } from 'vitest';
import { auditKey, makeAuditRecord, parseAuditRecord, scrub } from '../../../src/domain/audit-record.js';
import { parseSince } from '../../../src/cli/tool.js';

const AT = new Date('2026-03-04T05:06:07.089Z');

describe('audit records', () => {
  it('when a record is made, then its key is audit/<yyyy>/<mm>/<dd>/<timestamp>-<random>.json in UTC', () => {
    const r = makeAuditRecord({ type: 'request.submitted', partnerId: 'acme', details: {} }, AT, () => 'a1b2c3d4e5f6');
    expect(r.id).toBe('20260304T050607089Z-a1b2c3d4e5f6');
    expect(auditKey(r)).toBe('audit/2026/03/04/20260304T050607089Z-a1b2c3d4e5f6.json');
    expect(r.at).toBe(AT.toISOString());
  });

  it('when details carry an ExternalId, SSH keys or a token, then the record holds none of them', () => {
    const r = makeAuditRecord({
      type: 'external-id.rotated', partnerId: 'acme',
      details: { externalId: 'very-secret', nested: { ExternalId: 'x', sshKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB7'] }, note: 'token xoxb-123-456 leaked', sshPublicKeyBody: 'k' },
    }, AT);
    const text = JSON.stringify(r);
    expect(text).not.toContain('very-secret');
    expect(text).not.toContain('xoxb-123-456');
    expect(text).not.toContain('AAAAC3NzaC1lZDI1NTE5AAAAIB7');
    expect(r.details['externalId']).toBe('[REDACTED]');
    expect((r.details['nested'] as Record<string, unknown>)['sshKeys']).toBe('[REDACTED]');
  });

  it('when details carry a trust policy, then its sts:ExternalId is redacted and the rest of the policy kept', () => {
    const trust = { Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': 'pg-secret-external-id-123' } } }] };
    const r = makeAuditRecord({ type: 'drift.detected', partnerId: 'acme', details: { differs: [{ field: 'trust', deployed: trust }] } }, AT);
    const text = JSON.stringify(r);
    expect(text).not.toContain('pg-secret-external-id-123');
    expect(text).toContain('"sts:ExternalId":"[REDACTED]"');
    expect(text).toContain('sts:AssumeRole');
  });

  it('when a stored object is read back, then only well-formed records parse', () => {
    const r = makeAuditRecord({ type: 'offboard.completed', partnerId: 'acme', actor: 'U1', details: { a: 1 } }, AT);
    expect(parseAuditRecord(JSON.stringify(r))).toEqual(r);
    expect(parseAuditRecord('not json')).toBeNull();
    expect(parseAuditRecord(JSON.stringify({ ...r, type: 'made.up' }))).toBeNull();
    expect(parseAuditRecord(JSON.stringify({ ...r, id: '../../x' }))).toBeNull();
  });

  it('when scrub meets a cycle-like depth, then it stops instead of recursing for ever', () => {
    let deep: Record<string, unknown> = { v: 1 };
    for (let i = 0; i < 20; i++) deep = { deep };
    expect(JSON.stringify(scrub(deep))).toContain('[too deep]');
  });

  it('when --since is given, then dates and ISO times parse and anything else is refused with the reason', () => {
    expect(parseSince('2026-11-01').toISOString()).toBe('2026-11-01T00:00:00.000Z');
    expect(parseSince('2026-11-01T09:30:00+01:00').toISOString()).toBe('2026-11-01T08:30:00.000Z');
    expect(() => parseSince('2026-02-30')).toThrow(/not a date/);
    expect(() => parseSince('yesterday')).toThrow(/YYYY-MM-DD/);
  });
});
