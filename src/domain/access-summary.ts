/**
 * What a partner will be able to do, read from the documents that grant it — the SFTP user's
 * session policy and home, the partner role's trust and permissions — so that the sentence an
 * approver approves says what the documents say, conditions included: "acme can list and read only
 * partners/acme/; decryption only through S3; no writes". It knows no renderer, only IAM's JSON
 * grammar, so a rendered document that grants more reads as more. Every statement is either read
 * into the sentence or named in it as "other" with a warning; a condition it does not know makes a
 * statement "other" too. Pure.
 */

import { HOMES_PREFIX } from './partner-id.js';

export type StringOrList = string | readonly string[];

/** An IAM policy statement as IAM writes it (src/aws/policies renders these). */
export interface IamStatement {
  Sid?: string;
  Effect: string;
  Principal?: '*' | { AWS?: StringOrList; Service?: StringOrList; Federated?: StringOrList };
  Action?: StringOrList;
  NotAction?: StringOrList;
  Resource?: StringOrList;
  NotResource?: StringOrList;
  Condition?: Record<string, Record<string, StringOrList>>;
}

export interface IamDocument {
  Statement: readonly IamStatement[];
}

/** The documents that grant one partner access, and the platform names they are read against. */
export interface AccessDocuments {
  partnerId: string;
  /** The distribution bucket and its key: resources naming them are read as "the bucket", "S3's key". */
  bucket: string;
  kmsKeyArn: string;
  /** Principals of the platform a trust may name, by ARN, as the sentence calls them ("the platform's verifier"). */
  knownRoles: Readonly<Record<string, string>>;
  sftp: {
    userName: string;
    sshKeyCount: number;
    homeDirectoryType: string;
    mappings: readonly { Entry: string; Target: string }[];
    sessionPolicy: IamDocument;
  } | null;
  role: {
    roleName: string;
    trustPolicy: IamDocument;
    policies: readonly { name: string; document: IamDocument }[];
  } | null;
}

/** Our words, and values quoted from the documents (shown as code, escaped where the text is built). */
export type Segment = string | { code: string };
export type Phrase = readonly Segment[];

/** How one statement was read: into the sentence, or as "other" (named in the sentence with a warning). */
export interface StatementReading {
  document: string;
  sid: string;
  other: boolean;
  phrase: Phrase;
}

export interface AccessSummary {
  sentence: Phrase;
  statements: StatementReading[];
}

const list = (v: StringOrList | undefined): string[] => (v === undefined ? [] : typeof v === 'string' ? [v] : [...v]);
const lower = (v: StringOrList | undefined) => list(v).map((a) => a.toLowerCase());
const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));

/** What a permission statement we understand grants. */
type Grant =
  | { verb: 'list' | 'read'; scope: string[] | 'bucket' }
  | { verb: 'decrypt'; viaS3: boolean; key: string };

const READ_ACTIONS = ['s3:getobject', 's3:getobjectversion'];
const VIA_S3 = /^s3\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/;

/**
 * A key pattern as the sentence shows it: `partners/acme/` for everything under a prefix that ends in
 * `/` (written `partners/acme/*` or, for s3:prefix, the pair); anything else exactly as written.
 */
function scopeOf(patterns: string[]): string[] | 'bucket' {
  const shown = new Set<string>();
  for (const p of patterns) {
    if (p === '' || p === '*') return 'bucket';
    const base = p.endsWith('*') ? p.slice(0, -1) : p;
    shown.add(base.endsWith('/') && !/[*?$]/.test(base) ? base : p);
  }
  return [...shown];
}

/** The only conditions read into a grant; any other makes the statement "other". */
function onlyCondition(s: IamStatement, allowed: Record<string, readonly string[]>): Record<string, string[]> | null {
  const out: Record<string, string[]> = {};
  for (const [op, keys] of Object.entries(s.Condition ?? {})) {
    for (const [key, values] of Object.entries(keys)) {
      if (!(allowed[key.toLowerCase()] ?? []).includes(op)) return null;
      out[key.toLowerCase()] = list(values);
    }
  }
  return out;
}

function permissionGrant(docs: AccessDocuments, s: IamStatement): Grant | null {
  if (s.Effect !== 'Allow' || s.NotAction !== undefined || s.NotResource !== undefined || s.Principal !== undefined) return null;
  const actions = lower(s.Action);
  const resources = list(s.Resource);
  const bucketArn = (r: string) => /^arn:[a-z-]+:s3:::/.test(r) && r.slice(r.indexOf(':::') + 3) === docs.bucket;
  if (sameSet(actions, ['s3:listbucket'])) {
    const cond = onlyCondition(s, { 's3:prefix': ['StringLike', 'StringEquals'] });
    if (!cond || resources.length === 0 || !resources.every(bucketArn)) return null;
    const prefixes = cond['s3:prefix'];
    return { verb: 'list', scope: prefixes ? scopeOf(prefixes) : 'bucket' };
  }
  if (actions.length > 0 && actions.every((a) => READ_ACTIONS.includes(a))) {
    const objects = `:::${docs.bucket}/`;
    if (s.Condition !== undefined || resources.length === 0) return null;
    if (!resources.every((r) => /^arn:[a-z-]+:s3:::/.test(r) && r.includes(objects) && r.indexOf(objects) === r.indexOf(':::'))) return null;
    return { verb: 'read', scope: scopeOf(resources.map((r) => r.slice(r.indexOf(objects) + objects.length))) };
  }
  if (sameSet(actions, ['kms:decrypt'])) {
    const cond = onlyCondition(s, { 'kms:viaservice': ['StringEquals'] });
    if (!cond || resources.length !== 1) return null;
    const via = cond['kms:viaservice'];
    return { verb: 'decrypt', key: resources[0]!, viaS3: via !== undefined && via.length > 0 && via.every((v) => VIA_S3.test(v)) };
  }
  return null;
}

/** Who a trust lets in, and whether the ExternalId is asked for. */
interface Trust {
  who: Phrase;
  /** An AWS account (the partner's), rather than a principal of the platform. */
  outside: boolean;
  externalId: boolean;
}

function trustGrant(docs: AccessDocuments, s: IamStatement): Trust | null {
  if (s.Effect !== 'Allow' || s.NotAction !== undefined || !sameSet(lower(s.Action), ['sts:assumerole'])) return null;
  const p = s.Principal;
  if (p === undefined || p === '*' || p.Service !== undefined || p.Federated !== undefined) return null;
  const cond = onlyCondition(s, { 'sts:externalid': ['StringEquals'] });
  const principals = list(p.AWS);
  if (!cond || principals.length === 0 || principals.includes('*')) return null;
  const who: Segment[] = [];
  let outside = false;
  for (const arn of principals) {
    if (who.length > 0) who.push(' and ');
    const account = /^(?:arn:[a-z-]+:iam::(\d{12}):root|(\d{12}))$/.exec(arn);
    const known = docs.knownRoles[arn];
    if (known) who.push(known);
    else if (account) who.push('AWS account ', { code: account[1] ?? account[2]! });
    else who.push({ code: arn });
    outside ||= known === undefined;
  }
  const ids = cond['sts:externalid'];
  return { who, outside, externalId: ids !== undefined && ids.length === 1 && ids[0] !== '' };
}

/** A statement the summary does not read, said as it is written. */
function literal(s: IamStatement): Phrase {
  const out: Segment[] = [s.Effect === 'Deny' ? 'denies ' : s.Effect === 'Allow' ? 'allows ' : `${s.Effect} `];
  const quote = (v: StringOrList | undefined) => list(v).flatMap((x, i) => (i === 0 ? [{ code: x }] : [', ', { code: x }]));
  if (s.Principal !== undefined) out.push(...(s.Principal === '*' ? [{ code: '*' }] : [{ code: JSON.stringify(s.Principal) }]), ' ');
  out.push(...(s.NotAction !== undefined ? ['every action but ', ...quote(s.NotAction)] : quote(s.Action)));
  if (s.Resource !== undefined) out.push(' on ', ...quote(s.Resource));
  if (s.NotResource !== undefined) out.push(' on everything but ', ...quote(s.NotResource));
  for (const [op, keys] of Object.entries(s.Condition ?? {})) {
    for (const [key, values] of Object.entries(keys)) {
      // The ExternalId is a secret kept out of channels (docs/runbook.md): a statement read as written names it, never quotes it.
      out.push(' when ', { code: key }, ` ${op} `, ...(key.toLowerCase() === 'sts:externalid' ? ['the ExternalId'] : quote(values)));
    }
  }
  return out;
}

const joinPhrases = (phrases: Phrase[], last = ' and '): Segment[] =>
  phrases.flatMap((p, i) => (i === 0 ? [...p] : [i === phrases.length - 1 ? last : ', ', ...p]));

/** A scope as the sentence says it; one beyond the partner's own home is marked. */
function scopePhrase(docs: AccessDocuments, scope: string[] | 'bucket'): Phrase {
  if (scope === 'bucket') return ['the whole bucket (:warning: every partner\'s files)'];
  const home = `${HOMES_PREFIX}${docs.partnerId}/`;
  return ['only ', ...joinPhrases(scope.map((s) => (s.startsWith(home) ? [{ code: s }] : [{ code: s }, ' (:warning: beyond its own home)'])))];
}

function mergeScopes(grants: Grant[], verb: 'list' | 'read'): string[] | 'bucket' | null {
  const scopes = grants.flatMap((g) => (g.verb === verb ? [g.scope] : []));
  if (scopes.length === 0) return null;
  if (scopes.includes('bucket')) return 'bucket';
  return [...new Set(scopes.flat() as string[])];
}

function grantPhrase(docs: AccessDocuments, g: Grant): Phrase {
  if (g.verb === 'decrypt') return ['decrypts with ', ...(g.key === docs.kmsKeyArn ? ['the platform key'] : [{ code: g.key }]), g.viaS3 ? ' only through S3' : ' directly'];
  return [g.verb === 'list' ? 'lists ' : 'reads ', ...scopePhrase(docs, g.scope)];
}

/** "can list and read only `partners/acme/`; decryption only through S3; no writes". */
function grantsPhrase(docs: AccessDocuments, grants: Grant[], writes: boolean): Phrase {
  const listed = mergeScopes(grants, 'list');
  const read = mergeScopes(grants, 'read');
  const out: Segment[] = [];
  if (listed && read && JSON.stringify(listed) === JSON.stringify(read)) out.push('can list and read ', ...scopePhrase(docs, read));
  else if (listed || read) {
    out.push('can ');
    if (listed) out.push('list ', ...scopePhrase(docs, listed));
    if (listed && read) out.push(' and ');
    if (read) out.push('read ', ...scopePhrase(docs, read));
    if (!listed) out.push(' (no listing)');
    if (!read) out.push(' (no reading)');
  } else out.push('can list and read nothing');
  const decrypts = grants.flatMap((g) => (g.verb === 'decrypt' ? [g] : []));
  if (decrypts.length === 0) out.push('; no decryption, so it cannot read the encrypted files');
  for (const [i, d] of decrypts.entries()) {
    if (i > 0 && d.viaS3 && d.key === docs.kmsKeyArn) continue;
    if (d.key !== docs.kmsKeyArn) out.push('; can decrypt with ', { code: d.key }, d.viaS3 ? ' through S3' : ' directly');
    else if (d.viaS3) out.push('; decryption only through S3');
    else out.push('; can decrypt with the platform key directly, not only through S3');
  }
  if (!writes) out.push('; no writes');
  return out;
}

interface Read {
  grants: Grant[];
  readings: StatementReading[];
}

function readPermissions(docs: AccessDocuments, named: readonly { name: string; document: IamDocument }[]): Read {
  const grants: Grant[] = [];
  const readings: StatementReading[] = [];
  for (const { name, document } of named) {
    for (const [i, s] of document.Statement.entries()) {
      const g = permissionGrant(docs, s);
      if (g) grants.push(g);
      readings.push({ document: name, sid: s.Sid ?? `statement ${i + 1}`, other: g === null, phrase: g ? grantPhrase(docs, g) : literal(s) });
    }
  }
  return { grants, readings };
}

function homePhrase(docs: AccessDocuments, sftp: NonNullable<AccessDocuments['sftp']>): Phrase {
  const inBucket = (target: string) => (target.startsWith(`/${docs.bucket}/`) ? `${target.slice(docs.bucket.length + 2)}/` : null);
  const only = sftp.mappings[0];
  if (sftp.homeDirectoryType === 'LOGICAL' && sftp.mappings.length === 1 && only?.Entry === '/' && inBucket(only.Target)) {
    return ['sees only ', { code: inBucket(only.Target)! }, ' as its home'];
  }
  if (sftp.homeDirectoryType === 'LOGICAL') {
    return ['sees ', ...joinPhrases(sftp.mappings.map((m) => [{ code: m.Entry }, ' as ', { code: m.Target }]))];
  }
  return ['has a ', { code: sftp.homeDirectoryType }, ' home, which shows it the bucket as far as its policy lets it'];
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

export function summarizeAccess(docs: AccessDocuments): AccessSummary {
  const sftp = docs.sftp ? readPermissions(docs, [{ name: 'SFTP session policy', document: docs.sftp.sessionPolicy }]) : null;
  const role = docs.role ? readPermissions(docs, docs.role.policies.map((p) => ({ name: `role policy ${p.name}`, document: p.document }))) : null;
  const trust: StatementReading[] = [];
  const trusts: Trust[] = [];
  for (const [i, s] of (docs.role?.trustPolicy.Statement ?? []).entries()) {
    const t = trustGrant(docs, s);
    if (t) trusts.push(t);
    trust.push({
      document: 'role trust policy', sid: s.Sid ?? `statement ${i + 1}`, other: t === null,
      phrase: t ? ['may be assumed by ', ...t.who, t.externalId ? ' with its ExternalId' : t.outside ? ' without an ExternalId' : ''] : literal(s),
    });
  }
  const statements = [...(sftp?.readings ?? []), ...(role?.readings ?? []), ...trust];
  const others = statements.filter((s) => s.other);
  const writes = others.some((o) => o.document !== 'role trust policy');

  const sentence: Segment[] = [{ code: docs.partnerId }, ' '];
  const sftpGrants = sftp ? grantsPhrase(docs, sftp.grants, writes) : null;
  const roleGrants = role ? grantsPhrase(docs, role.grants, writes) : null;
  if (sftpGrants && roleGrants && JSON.stringify(sftpGrants) !== JSON.stringify(roleGrants)) {
    sentence.push('over SFTP ', ...sftpGrants, '; through its role ', ...roleGrants, '.');
  } else {
    sentence.push(...(sftpGrants ?? roleGrants ?? ['has no access']), '.');
  }
  if (docs.sftp) {
    sentence.push(' Over SFTP as user ', { code: docs.sftp.userName }, ` with ${plural(docs.sftp.sshKeyCount, 'SSH key')}; `, ...homePhrase(docs, docs.sftp), '.');
  }
  if (docs.role) {
    const outside = trusts.filter((t) => t.outside);
    const platform = trusts.filter((t) => !t.outside);
    sentence.push(' Through role ', { code: docs.role.roleName });
    if (outside.length === 0) sentence.push(', which no outside account may assume');
    else sentence.push(' from ', ...joinPhrases(outside.map((t) => [...t.who, t.externalId ? ' with its ExternalId' : ' WITHOUT an ExternalId'])));
    if (platform.length > 0) sentence.push(' (and ', ...joinPhrases(platform.map((t) => t.who)), ')');
    sentence.push('.');
  }
  if (others.length > 0) {
    sentence.push(` :warning: ${plural(others.length, 'other statement')} this summary does not read — check ${others.length === 1 ? 'it' : 'them'} in the documents: `);
    sentence.push(...joinPhrases(others.map((o) => [{ code: o.sid }, ` (${o.document}) `, ...o.phrase]), '; '), '.');
  }
  return { sentence, statements };
}

/** The sentence as plain text (logs, the demo's console): quoted values in backticks. */
export const phraseText = (phrase: Phrase): string => phrase.map((s) => (typeof s === 'string' ? s : `\`${s.code}\``)).join('');
