/**
 * Live S3 probes as the partner. The bot assumes the verifier role; the verifier assumes the
 * partner's role (with its ExternalId) and, for a partner with a Transfer user, the Transfer role
 * with the partner's session policy — exactly what Transfer does for an SFTP session. With each
 * session: listing and reading its own prefix must work; another live partner's home (listing it and
 * reading its marker: the next id in the registry, src/domain/assurance.ts), the canary prefix
 * (which no partner id can take), `partners/<id>` without the slash, the outbound prefix and the
 * bucket root must be denied. With no other partner live, the stand-ins alone.
 * The verifier first reads the canary object, so that a denial there is the policy's answer and not
 * a missing object.
 */
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { PlatformConfig } from '../../aws/policies/platform.js';
import { CANARY_PREFIX, homePrefix } from '../../domain/partner-id.js';
import { neighbourOf } from '../../domain/assurance.js';
import { call, toAwsError } from '../../aws/aws-error.js';
import type { ControlPlane } from '../../aws/control-plane.js';
import type { SessionCredentials } from '../../aws/sts.js';
import { homeMarkerKey, sha256OfObject } from '../../aws/s3-objects.js';
import type { RenderedPartner } from '../../aws/policies/index.js';
import type { CheckView } from '../../bot/messages/verify.js';
import type { OnboardingRequest } from '../../domain/requests.js';
import { wantsTransferUser } from '../../domain/access.js';

/** The object the platform keeps under the canary prefix (manifests and the runbook create it). */
export const CANARY_OBJECT_KEY = `${CANARY_PREFIX}canary.txt`;

/** The check that the canary is there (read as the verifier): the platform's, not the partner's. */
export const CANARY_CHECK_LABEL = `canary object ${CANARY_OBJECT_KEY} exists (read as the verifier)`;

/** An S3 client acting with assumed credentials (region and endpoint settings of the platform). */
export type S3ForCredentials = (credentials: SessionCredentials) => S3Client;

/** Production: a client in the platform's region with the assumed credentials (endpoints from the SDK settings). */
export function createProbeS3Factory(platform: Pick<PlatformConfig, 'region'>, options: { forcePathStyle?: boolean } = {}): S3ForCredentials {
  return (credentials) => new S3Client({ region: platform.region, credentials, forcePathStyle: options.forcePathStyle ?? false });
}

export interface ProbeDeps {
  cp: ControlPlane;
  platform: PlatformConfig;
  s3ForCredentials: S3ForCredentials;
  /** The registry's live partners: one of them is the neighbour whose home must be closed. */
  partners: { liveIds(): Promise<string[]> };
}

type Answer = { kind: 'allowed' } | { kind: 'absent' } | { kind: 'denied' } | { kind: 'error'; code: string; message: string };

interface Probe {
  what: string;
  expect: 'allowed' | 'denied';
  run(s3: S3Client): Promise<'allowed' | 'absent'>;
}

async function listOnce(s3: S3Client, bucket: string, prefix: string): Promise<'allowed'> {
  await call('s3', 'ListObjectsV2', () => s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 1 })));
  return 'allowed';
}

async function readOnce(s3: S3Client, bucket: string, key: string): Promise<'allowed' | 'absent'> {
  const got = await sha256OfObject(s3, { bucket, key, maxBytes: 1 << 20 });
  return got ? 'allowed' : 'absent';
}

/** Runs one request; retryable failures (throttling, 5xx, network) are thrown for the job's backoff. */
async function ask(run: () => Promise<'allowed' | 'absent'>): Promise<Answer> {
  try {
    return { kind: await run() };
  } catch (err) {
    const e = toAwsError('s3', 'probe', err);
    if (e.code === 'AccessDenied' || e.httpStatus === 403) return { kind: 'denied' };
    if (e.retryable) throw e;
    return { kind: 'error', code: e.code, message: e.message };
  }
}

function probesFor(platform: PlatformConfig, partnerId: string, home: string, neighbour: string | null): Probe[] {
  const b = platform.bucket;
  // A real neighbour's home, its marker there to read: a denial is the policy's answer, not a missing object.
  const theirs: Probe[] = neighbour === null ? [] : [
    { what: `list ${homePrefix(neighbour)} (another partner's home)`, expect: 'denied', run: (s3) => listOnce(s3, b, homePrefix(neighbour)) },
    { what: `read ${homeMarkerKey(neighbour)} (another partner's)`, expect: 'denied', run: (s3) => readOnce(s3, b, homeMarkerKey(neighbour)) },
  ];
  return [
    { what: `list ${home}`, expect: 'allowed', run: (s3) => listOnce(s3, b, home) },
    { what: `read ${homeMarkerKey(partnerId)}`, expect: 'allowed', run: (s3) => readOnce(s3, b, homeMarkerKey(partnerId)) },
    ...theirs,
    { what: `list ${CANARY_PREFIX}`, expect: 'denied', run: (s3) => listOnce(s3, b, CANARY_PREFIX) },
    { what: `read ${CANARY_OBJECT_KEY}`, expect: 'denied', run: (s3) => readOnce(s3, b, CANARY_OBJECT_KEY) },
    { what: `list partners/${partnerId} (no slash)`, expect: 'denied', run: (s3) => listOnce(s3, b, `partners/${partnerId}`) },
    { what: `list ${platform.outboundPrefix}`, expect: 'denied', run: (s3) => listOnce(s3, b, platform.outboundPrefix) },
    { what: 'list the bucket root', expect: 'denied', run: (s3) => listOnce(s3, b, '') },
  ];
}

function judge(probe: Probe, answer: Answer): Pick<CheckView, 'outcome' | 'detail'> {
  if (answer.kind === 'error') return { outcome: 'fail', detail: `${answer.code}: ${answer.message}` };
  if (probe.expect === 'allowed') {
    if (answer.kind === 'allowed') return { outcome: 'pass', detail: 'allowed' };
    return { outcome: 'fail', detail: answer.kind === 'denied' ? 'denied, expected allowed' : 'not found' };
  }
  if (answer.kind === 'denied') return { outcome: 'pass', detail: 'denied' };
  return { outcome: 'fail', detail: answer.kind === 'allowed' ? 'ALLOWED, expected denied' : 'reachable (not found rather than denied)' };
}

/**
 * `request`: the onboarding request at verification, or the partner record when its isolation is
 * re-proven. `chosen`: the neighbour whose home must be closed, when the caller chose it (the
 * assurance tick, from the live ids it read once for all its partners); absent, it is chosen from
 * the live ids read now.
 */
export async function runS3Probes(
  deps: ProbeDeps, request: Pick<OnboardingRequest, 'partnerId' | 'externalId' | 'sshKeys' | 'accountId'>, rendered: RenderedPartner, chosen?: string | null,
): Promise<CheckView[]> {
  const { cp, platform } = deps;
  const id = request.partnerId;
  const sessionName = `partnergate-verify-${id}`;
  const checks: CheckView[] = [];
  const neighbour = chosen !== undefined ? chosen : neighbourOf(id, (await deps.partners.liveIds()).sort());

  const verifier = await cp.assumeRole({ roleArn: platform.verifierRoleArn, sessionName });
  const asVerifier = deps.s3ForCredentials(verifier);
  const canary = await ask(() => readOnce(asVerifier, platform.bucket, CANARY_OBJECT_KEY)).finally(() => asVerifier.destroy());
  checks.push(
    canary.kind === 'allowed'
      ? { label: CANARY_CHECK_LABEL, outcome: 'pass' }
      : { label: CANARY_CHECK_LABEL, outcome: 'fail', detail: canary.kind === 'error' ? `${canary.code}: ${canary.message}` : canary.kind },
  );

  const sessions: { as: string; assume: () => Promise<SessionCredentials> }[] = [];
  if (rendered.partnerRole) {
    const role = rendered.partnerRole;
    sessions.push({ as: 'partner role', assume: () => cp.assumeRole({ roleArn: role.arn, sessionName, externalId: request.externalId }, verifier) });
  }
  if (wantsTransferUser(request)) {
    const policy = rendered.transferUser.Policy as unknown as Record<string, unknown>;
    sessions.push({ as: 'SFTP session', assume: () => cp.assumeRole({ roleArn: platform.transferRoleArn, sessionName, policy }, verifier) });
  }

  for (const session of sessions) {
    let credentials: SessionCredentials;
    try {
      credentials = await session.assume();
    } catch (err) {
      const e = toAwsError('sts', 'AssumeRole', err);
      if (e.retryable) throw e;
      checks.push({ label: `as the ${session.as}: assume the role`, outcome: 'fail', detail: `${e.code}: ${e.message}` });
      continue;
    }
    const s3 = deps.s3ForCredentials(credentials);
    try {
      for (const probe of probesFor(platform, id, rendered.homePrefix, neighbour)) {
        checks.push({ label: `as the ${session.as}: ${probe.what}`, ...judge(probe, await ask(() => probe.run(s3))) });
      }
    } finally {
      s3.destroy();
    }
  }
  return checks;
}
