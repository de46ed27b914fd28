/**
 * CloudTrail management events as EventBridge delivers them to SQS ("AWS API Call via
 * CloudTrail"), shaped as AWS documents them (CloudTrail record contents, userIdentity element),
 * for the platform events tests.
 */
import { randomUUID } from 'node:crypto';

export const ACCOUNT = '111122223333';
export const ADMIN_ARN = `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/alice`;

export interface CallOptions {
  eventSource: string;
  eventName: string;
  requestParameters?: Record<string, unknown> | null;
  /** The session's role (`Admin` by default) and session name. */
  role?: string;
  session?: string;
  account?: string;
  errorCode?: string;
  readOnly?: boolean;
  id?: string;
}

export function cloudTrailEvent(o: CallOptions): Record<string, unknown> {
  const account = o.account ?? ACCOUNT;
  const role = o.role ?? 'Admin';
  const session = o.session ?? 'alice';
  const id = o.id ?? randomUUID();
  const at = '2026-12-06T14:03:00Z';
  return {
    version: '0', id, 'detail-type': 'AWS API Call via CloudTrail', source: `aws.${o.eventSource.split('.')[0]}`, account, time: at,
    region: o.eventSource === 'iam.amazonaws.com' ? 'us-east-1' : 'eu-west-1', resources: [],
    detail: {
      eventVersion: '1.09',
      userIdentity: {
        type: 'AssumedRole', principalId: `AROAEXAMPLEID:${session}`, arn: `arn:aws:sts::${account}:assumed-role/${role}/${session}`, accountId: account,
        sessionContext: {
          sessionIssuer: { type: 'Role', principalId: 'AROAEXAMPLEID', arn: `arn:aws:iam::${account}:role/${role}`, accountId: account, userName: role },
          attributes: { creationDate: '2026-12-06T13:55:00Z', mfaAuthenticated: 'false' },
        },
      },
      eventTime: at, eventSource: o.eventSource, eventName: o.eventName, awsRegion: 'eu-west-1', sourceIPAddress: '203.0.113.5', userAgent: 'aws-cli/2.22.0',
      ...(o.errorCode ? { errorCode: o.errorCode, errorMessage: 'User is not authorized' } : {}),
      requestParameters: o.requestParameters ?? null, responseElements: null,
      requestID: randomUUID(), eventID: randomUUID(), readOnly: o.readOnly ?? false, eventType: 'AwsApiCall', managementEvent: true,
      recipientAccountId: account, eventCategory: 'Management',
    },
  };
}

/** AWS's managed AmazonS3ReadOnlyAccess: its ARN, and its document as it grants (reads of every bucket). */
export const READ_ONLY_ARN = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
export const READ_ONLY = {
  Version: '2012-10-17' as const,
  Statement: [{ Sid: 'AmazonS3ReadOnlyAccess', Effect: 'Allow' as const, Action: ['s3:Get*', 's3:List*', 's3:Describe*'], Resource: '*' }],
};

/** AmazonS3ReadOnlyAccess attached to a partner's role by someone else. */
export const attachReadOnly = (partnerId: string, o: Partial<CallOptions> = {}) =>
  cloudTrailEvent({
    eventSource: 'iam.amazonaws.com', eventName: 'AttachRolePolicy',
    requestParameters: { roleName: `partnergate-partner-${partnerId}`, policyArn: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess' }, ...o,
  });
