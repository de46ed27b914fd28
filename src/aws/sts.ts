/** AWS STS adapter: AssumeRole, with ExternalId, a session policy and a source identity. */
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import { call } from './aws-error.js';
import { AwsError, ErrorCode } from '../domain/errors.js';

export interface AssumeRoleInput {
  roleArn: string;
  sessionName: string;
  /** Secret: never logged. */
  externalId?: string;
  /** A session policy: the session gets the intersection of the role's permissions and this. */
  policy?: Record<string, unknown>;
  sourceIdentity?: string;
  durationSeconds?: number;
}

/** Temporary credentials, in the shape the SDK clients take. */
export interface SessionCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration?: Date;
}

export async function assumeRole(client: STSClient, input: AssumeRoleInput): Promise<SessionCredentials> {
  const out = await call('sts', 'AssumeRole', () =>
    client.send(
      new AssumeRoleCommand({
        RoleArn: input.roleArn,
        RoleSessionName: input.sessionName,
        DurationSeconds: input.durationSeconds ?? 900,
        ...(input.externalId ? { ExternalId: input.externalId } : {}),
        ...(input.policy ? { Policy: JSON.stringify(input.policy) } : {}),
        ...(input.sourceIdentity ? { SourceIdentity: input.sourceIdentity } : {}),
      }),
    ),
  );
  const c = out.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) {
    throw new AwsError('sts', 'AssumeRole', ErrorCode.NoCredentials, 'AssumeRole answered without credentials');
  }
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, ...(c.Expiration ? { expiration: c.Expiration } : {}) };
}
