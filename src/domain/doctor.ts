/**
 * `partnergate doctor`'s findings: one line per check — PASS, FAIL with the fix, or SKIP with why —
 * and the verdicts that need no I/O (what Redis's settings, a queue's policy, the caller's identity,
 * the Transfer server and IAM's simulation answers mean). Pure; src/cli/doctor.ts does the reading.
 */

export type CheckStatus = 'pass' | 'fail' | 'skip';

export interface CheckResult {
  status: CheckStatus;
  name: string;
  detail: string;
  /** What to do, for a failure. */
  fix?: string;
}

export const pass = (name: string, detail: string): CheckResult => ({ status: 'pass', name, detail });
export const fail = (name: string, detail: string, fix: string): CheckResult => ({ status: 'fail', name, detail, fix });
export const skip = (name: string, detail: string): CheckResult => ({ status: 'skip', name, detail });

/** One line: `PASS name: detail`, `FAIL name: detail. Fix: fix`, `SKIP name: detail`. */
export function formatCheck(r: CheckResult): string {
  const line = `${r.status.toUpperCase()} ${r.name}: ${r.detail}`;
  return r.fix ? `${line.replace(/\.$/, '')}. Fix: ${r.fix}` : line;
}

/** 0 when nothing failed (skips included), 1 otherwise. */
export function doctorExitCode(results: readonly CheckResult[]): number {
  return results.some((r) => r.status === 'fail') ? 1 : 0;
}

/** `INFO` text as fields (`aof_enabled` → `1`); section headers and blank lines dropped. */
export function parseRedisInfo(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields[line.slice(0, colon)] = line.slice(colon + 1).trim();
  }
  return fields;
}

const PERSISTENCE_FIX = 'appendonly yes in the Redis configuration (CONFIG SET appendonly yes, then CONFIG REWRITE), or a managed Redis that keeps its data (docs/architecture.md "Redis as a system of record")';

/**
 * Whether Redis keeps what it is told across a restart. `config`: CONFIG GET appendonly and save,
 * null where CONFIG is refused (managed services); `info`: INFO persistence.
 */
export function redisPersistence(config: { appendonly: string; save: string } | null, info: Record<string, string>): CheckResult {
  const name = 'redis persistence';
  if (config === null) {
    if (info['aof_enabled'] === '1') return pass(name, 'AOF on (INFO persistence; this Redis refuses CONFIG)');
    return skip(name, 'this Redis refuses CONFIG (a managed service?) and reports AOF off: whether its data survives a restart is the service\'s to say — MemoryDB keeps it; ElastiCache needs Multi-AZ with a replica and backups');
  }
  if (config.appendonly === 'yes') return pass(name, 'AOF on (appendonly yes)');
  if (config.save.trim() !== '') {
    return fail(name, `AOF off, RDB snapshots only (save "${config.save}"): a restart loses every write since the last snapshot, delivery marks and approvals among them`, PERSISTENCE_FIX);
  }
  return fail(name, 'no persistence (appendonly no, no save points): a restart loses every request, the registry, the delivery marks and the queues', PERSISTENCE_FIX);
}

/** BullMQ needs Redis never to evict a key: `maxmemory-policy noeviction` (INFO memory's `maxmemory_policy`). */
export function redisEviction(policy: string | undefined): CheckResult {
  const name = 'redis eviction';
  if (policy === 'noeviction') return pass(name, 'maxmemory-policy noeviction');
  return fail(
    name,
    `maxmemory-policy is ${policy ?? 'unknown'}: when memory runs short Redis drops keys — jobs, approvals, the registry, delivery marks — instead of refusing writes`,
    'maxmemory-policy noeviction (CONFIG SET maxmemory-policy noeviction and CONFIG REWRITE, or the parameter group of a managed Redis), and watch its memory',
  );
}

/** The role name in an `assumed-role/<name>/<session>` ARN (or a `role/<path>/<name>` ARN); undefined for anything else. */
export function roleNameOfCaller(arn: string): string | undefined {
  const assumed = /^arn:[^:]+:sts::\d{12}:assumed-role\/([^/]+)\/[^/]+$/.exec(arn);
  if (assumed) return assumed[1];
  const role = /^arn:[^:]+:iam::\d{12}:role\/(?:.*\/)?([^/]+)$/.exec(arn);
  return role?.[1];
}

export function identityVerdict(caller: { account: string; arn: string }, expected: { accountId: string; botRoleArn: string }): CheckResult {
  const name = 'aws identity';
  if (caller.account !== expected.accountId) {
    return fail(name, `the credentials are of account ${caller.account}, not AWS_ACCOUNT_ID ${expected.accountId}`, 'run doctor with the bot\'s credentials, in the platform\'s account; or correct AWS_ACCOUNT_ID');
  }
  const botRole = expected.botRoleArn.slice(expected.botRoleArn.lastIndexOf('/') + 1);
  if (roleNameOfCaller(caller.arn) !== botRole) {
    return fail(
      name,
      `the credentials are ${caller.arn}, not the bot role ${expected.botRoleArn}: the rights below are the bot role's, but this process would act as someone else`,
      'run doctor where the bot runs: in a bot task (its task role), or with AWS_PROFILE set to the bot\'s profile (docs/runbook.md)',
    );
  }
  return pass(name, `the bot role (${caller.arn}) in account ${caller.account}`);
}

export function transferServerVerdict(serverId: string, server: { state: string; identityProvider: string; domain: string; protocols: string[] } | null): CheckResult {
  const name = 'transfer server';
  if (server === null) return fail(name, `no Transfer server ${serverId} in this region`, 'set TRANSFER_SERVER_ID and AWS_REGION from the platform stack\'s outputs');
  const problems = [
    ...(server.identityProvider !== 'SERVICE_MANAGED' ? [`identity provider ${server.identityProvider} (the platform's is SERVICE_MANAGED)`] : []),
    ...(server.domain !== 'S3' ? [`domain ${server.domain} (the platform's is S3)`] : []),
    ...(!server.protocols.includes('SFTP') ? ['no SFTP'] : []),
  ];
  if (problems.length > 0) return fail(name, `${serverId} is not the platform's server: ${problems.join(', ')}`, 'set TRANSFER_SERVER_ID to the platform stack\'s TransferServerId output');
  if (server.state !== 'ONLINE') {
    return fail(name, `${serverId} is ${server.state}: partners cannot log in, and verification's SFTP check fails`, `aws transfer start-server --server-id ${serverId} (the bot may not: its role refuses server changes)`);
  }
  return pass(name, `${serverId} ONLINE, SFTP, service-managed users on S3`);
}

/** IAM's verdicts, one line per group of rights: which were refused, and how. */
export function rightsVerdicts(verdicts: readonly { group: string; action: string; resource: string; decision: string }[]): CheckResult[] {
  const groups = [...new Set(verdicts.map((v) => v.group))];
  return groups.map((group) => {
    const mine = verdicts.filter((v) => v.group === group);
    const refused = mine.filter((v) => v.decision !== 'allowed');
    const name = `bot rights: ${group}`;
    if (refused.length === 0) return pass(name, `${mine.length} action(s) allowed`);
    const what = refused.map((v) => `${v.action} on ${v.resource} (${v.decision})`).join('; ');
    return fail(
      name,
      `refused: ${what}`,
      'the bot role\'s policy is not the one manifests/platform.yaml renders, or a Deny, a boundary or an SCP takes the right away: `npm run manifests -- --check`, deploy manifests/platform.yaml again, and look at what else applies to partnergate-bot',
    );
  });
}

/** Whether a queue's policy lets `service` send to it (from `sourceArn`, when given), and whether it has a dead-letter queue. */
export function queueProblems(attributes: Record<string, string>, sender: { service: string; sourceArn?: string }): string[] {
  const problems: string[] = [];
  let statements: Record<string, unknown>[] = [];
  try {
    const policy = attributes['Policy'] ? (JSON.parse(attributes['Policy']) as { Statement?: unknown }) : {};
    statements = ([] as Record<string, unknown>[]).concat((policy.Statement ?? []) as Record<string, unknown>[]);
  } catch {
    problems.push('its policy is not JSON');
  }
  const sends = statements.some((s) => {
    const principal = s['Principal'] as { Service?: string | string[] } | undefined;
    const actions = ([] as string[]).concat((s['Action'] ?? []) as string | string[]);
    const condition = (s['Condition'] ?? {}) as Record<string, Record<string, string | string[]>>;
    const sources = Object.values(condition).flatMap((c) => ([] as string[]).concat(c['aws:SourceArn'] ?? []));
    return s['Effect'] === 'Allow'
      && ([] as string[]).concat(principal?.Service ?? []).includes(sender.service)
      && actions.some((a) => a === 'sqs:SendMessage' || a === 'sqs:*')
      && (sender.sourceArn === undefined || sources.includes(sender.sourceArn));
  });
  if (!sends) problems.push(`its policy lets no ${sender.service} send to it${sender.sourceArn ? ` from ${sender.sourceArn}` : ''}: nothing arrives`);
  if (!attributes['RedrivePolicy']) problems.push('it has no dead-letter queue: a message the bot cannot read comes back for ever');
  return problems;
}
