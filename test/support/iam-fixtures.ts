/** Platform parameters, partner specs and document helpers for the policy tests. */
import { loadPlatformConfig } from '../../src/config.js';
import { type PlatformConfig } from '../../src/aws/policies/platform.js';
import type { PartnerSpec, PolicyDocument, PolicyStatement } from '../../src/aws/policies/index.js';
import { testEnv } from '../../tools/local/env.js';

export function testPlatform(overrides: Record<string, string | undefined> = {}): PlatformConfig {
  return loadPlatformConfig(testEnv(overrides));
}

/** A deterministic ExternalId per partner id (43 characters, like the ones the bot makes). */
export function externalIdFor(partnerId: string): string {
  return `ext-${partnerId}-`.padEnd(43, 'x');
}

export function partnerSpec(partnerId: string, accountId?: string): PartnerSpec {
  return {
    partnerId,
    ...(accountId ? { accountId } : {}),
    externalId: externalIdFor(partnerId),
    sshKeys: [],
    feeds: ['price-lists'],
  };
}

export function statement(doc: PolicyDocument, sid: string): PolicyStatement {
  const found = doc.Statement.find((s) => s.Sid === sid);
  if (!found) throw new Error(`no statement ${sid} in ${doc.Statement.map((s) => s.Sid).join(', ')}`);
  return found;
}

export function list(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** Every string anywhere in a JSON value. */
export function allStrings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(allStrings);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => [k, ...allStrings(v)]);
  }
  return [];
}
