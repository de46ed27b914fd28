/**
 * Proof that an offboarded partner's access is gone, with the verifier's own means (the verify
 * job's role chain and S3 clients): the Transfer user and the partner role no longer exist; the
 * verifier can no longer assume the partner role (so nobody can: the verifier is trusted by every
 * partner role); should it still succeed (IAM is eventually consistent), the session is denied its
 * own prefix; and the home prefix is as the request said (empty after an archive).
 * A check that fails because AWS has not settled yet is retried by the job's backoff.
 */
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import type { PlatformConfig } from '../../aws/policies/platform.js';
import { toAwsError } from '../../aws/aws-error.js';
import type { LifecyclePlane } from '../../aws/lifecycle-plane.js';
import { partnerRoleArn, partnerRoleName } from '../../aws/policies/index.js';
import { archivePrefixOf, countObjects } from '../../aws/s3-archive.js';
import { homePrefix } from '../../domain/partner-id.js';
import type { CheckView } from '../../bot/messages/verify.js';
import type { PartnerRecord } from '../../domain/partner.js';
import type { OffboardPrefixOption } from '../../domain/requests.js';
import type { S3ForCredentials } from '../onboarding/index.js';

export interface OffboardProbeDeps {
  cp: LifecyclePlane;
  platform: PlatformConfig;
  /** The bot's own S3 client (to look at the prefix). */
  s3: S3Client;
  s3ForCredentials: S3ForCredentials;
}

export async function proveAccessGone(deps: OffboardProbeDeps, partner: PartnerRecord, option: OffboardPrefixOption): Promise<CheckView[]> {
  const { cp, platform } = deps;
  const id = partner.partnerId;
  const checks: CheckView[] = [];
  if (cp.dryRun) {
    return [{ label: 'live probes as the partner', outcome: 'skipped', detail: 'a dry run: STS and IAM are not called' }, ...(await prefixChecks(deps, id, option))];
  }

  const user = await cp.describeUser(id);
  checks.push({ label: `Transfer user ${id} is gone (no SFTP login possible)`, outcome: user ? 'fail' : 'pass', ...(user ? { detail: 'DescribeUser still finds it' } : {}) });

  const roleName = partnerRoleName(id);
  const role = await cp.getRole(roleName);
  checks.push({ label: `IAM role ${roleName} is gone`, outcome: role ? 'fail' : 'pass', ...(role ? { detail: 'GetRole still finds it' } : {}) });

  if (partner.accountId) {
    const sessionName = `partnergate-offboard-${id}`;
    const verifier = await cp.assumeRole({ roleArn: platform.verifierRoleArn, sessionName });
    let credentials;
    try {
      credentials = await cp.assumeRole({ roleArn: partnerRoleArn(platform, id), sessionName, externalId: partner.externalId }, verifier);
    } catch (err) {
      const e = toAwsError('sts', 'AssumeRole', err);
      if (e.retryable) throw e;
      checks.push({ label: 'as the partner: assume the partner role (with its ExternalId)', outcome: 'pass', detail: `denied (${e.code})` });
    }
    if (credentials) {
      checks.push({ label: 'as the partner: assume the partner role (with its ExternalId)', outcome: 'fail', detail: 'STILL ALLOWED' });
      const s3 = deps.s3ForCredentials(credentials);
      try {
        await s3.send(new ListObjectsV2Command({ Bucket: platform.bucket, Prefix: homePrefix(id), MaxKeys: 1 }));
        checks.push({ label: `as the partner: list ${homePrefix(id)}`, outcome: 'fail', detail: 'STILL ALLOWED' });
      } catch (err) {
        const e = toAwsError('s3', 'ListObjectsV2', err);
        if (e.retryable) throw e;
        checks.push({ label: `as the partner: list ${homePrefix(id)}`, outcome: e.code === 'AccessDenied' || e.httpStatus === 403 ? 'pass' : 'fail', detail: e.code });
      } finally {
        s3.destroy();
      }
    }
  }
  return [...checks, ...(await prefixChecks(deps, id, option))];
}

async function prefixChecks(deps: OffboardProbeDeps, id: string, option: OffboardPrefixOption): Promise<CheckView[]> {
  const { s3, platform } = deps;
  const home = await countObjects(s3, platform.bucket, homePrefix(id));
  if (option === 'keep') return [{ label: `${homePrefix(id)} kept as requested`, outcome: 'pass', detail: `${home} object${home === 1 ? '' : 's'}` }];
  const archived = await countObjects(s3, platform.bucket, archivePrefixOf(id));
  return [
    { label: `${homePrefix(id)} is empty`, outcome: home === 0 ? 'pass' : 'fail', detail: `${home} object${home === 1 ? '' : 's'} left` },
    { label: `archive ${archivePrefixOf(id)} holds the files`, outcome: 'pass', detail: `${archived} object${archived === 1 ? '' : 's'}` },
  ];
}
