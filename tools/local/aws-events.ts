/**
 * CloudTrail management events as EventBridge delivers them to SQS ("AWS API Call via
 * CloudTrail"), shaped as AWS documents them (CloudTrail record contents, userIdentity element),
 * and IAM Access Analyzer's findings, for the platform events tests and the event-to-alert benchmark.
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

/** AmazonS3ReadOnlyAccess attached to a partner's role by someone else. */
export const attachReadOnly = (partnerId: string, o: Partial<CallOptions> = {}) =>
  cloudTrailEvent({
    eventSource: 'iam.amazonaws.com', eventName: 'AttachRolePolicy',
    requestParameters: { roleName: `partnergate-partner-${partnerId}`, policyArn: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess' }, ...o,
  });

export interface FindingOptions {
  resourceType?: string;
  resource: string;
  status?: 'ACTIVE' | 'ARCHIVED' | 'RESOLVED';
  principal?: Record<string, string>;
  action?: string[];
  condition?: Record<string, string>;
  isPublic?: boolean;
  isDeleted?: boolean;
  error?: string;
  account?: string;
  id?: string;
}

/**
 * An IAM Access Analyzer finding as EventBridge delivers it ("Access Analyzer Finding", the example
 * event of the IAM User Guide's "Monitoring AWS IAM Access Analyzer with Amazon EventBridge": the
 * event's `resources` names the analyzer, `detail` is the finding with `accountId`, `region` and
 * `isDeleted`). An error finding has `error` and no principal, action or condition.
 */
export function accessAnalyzerFinding(o: FindingOptions): Record<string, unknown> {
  const account = o.account ?? ACCOUNT;
  const finding = o.error
    ? { error: o.error }
    : { action: o.action ?? ['sts:AssumeRole'], condition: o.condition ?? {}, isPublic: o.isPublic ?? false, principal: o.principal ?? { AWS: '999988887777' } };
  return {
    version: '0', id: o.id ?? randomUUID(), 'detail-type': 'Access Analyzer Finding', source: 'aws.access-analyzer', account, time: '2026-12-06T14:09:00Z',
    region: 'eu-west-1', resources: [`arn:aws:access-analyzer:eu-west-1:${account}:analyzer/partnergate-account`],
    detail: {
      version: '1.0', id: randomUUID(), status: o.status ?? 'ACTIVE', resourceType: o.resourceType ?? 'AWS::IAM::Role', resource: o.resource,
      createdAt: '2026-12-06T14:05:12Z', analyzedAt: '2026-12-06T14:05:12Z', updatedAt: '2026-12-06T14:05:12Z',
      accountId: account, region: 'eu-west-1', isDeleted: o.isDeleted ?? false, ...finding,
    },
  };
}

/** A partner role's ARN as the platform stack's account and path make it. */
export const partnerRoleArnOf = (partnerId: string, account = ACCOUNT) => `arn:aws:iam::${account}:role/partnergate/partners/partnergate-partner-${partnerId}`;
