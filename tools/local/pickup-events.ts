/**
 * Pickup events as EventBridge delivers them to SQS, shaped as AWS documents them: Transfer
 * Family's `SFTP Server File Download Completed` / `… Failed` (Transfer Family user guide, "SFTP,
 * FTPS, and FTP server events") and CloudTrail's data event for an S3 GetObject ("AWS API Call via
 * CloudTrail", CloudTrail record contents), for the pickup tests and the benchmark's shapes.
 */
import { randomUUID } from 'node:crypto';

export const ACCOUNT = '111122223333';
export const BUCKET = 'partnergate-dist-test';
export const SERVER = 's-0123456789abcdef0';
export const TRANSFER_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/partnergate/partnergate-transfer`;

export interface DownloadOptions {
  user: string;
  /** The key in the bucket (`partners/<id>/…`); `path` overrides the whole file-path. */
  key?: string;
  path?: string;
  bytes?: unknown;
  etag?: string;
  failed?: boolean;
  failureCode?: string;
  failureMessage?: string;
  session?: string;
  server?: string;
  account?: string;
  id?: string;
  start?: string;
  end?: string;
  clientIp?: string;
}

/** Transfer's download event, as EventBridge sends it. */
export function sftpDownload(o: DownloadOptions): Record<string, unknown> {
  const failed = o.failed ?? false;
  return {
    version: '0', id: o.id ?? randomUUID(),
    'detail-type': failed ? 'SFTP Server File Download Failed' : 'SFTP Server File Download Completed',
    source: 'aws.transfer', account: o.account ?? ACCOUNT, time: o.end ?? '2026-12-06T14:03:07Z', region: 'eu-west-1',
    resources: [`arn:aws:transfer:eu-west-1:${ACCOUNT}:server/${o.server ?? SERVER}`],
    detail: {
      'status-code': failed ? 'FAILED' : 'COMPLETED',
      ...(failed ? { 'failure-code': o.failureCode ?? 'PARTIAL_DOWNLOAD', 'failure-message': o.failureMessage ?? 'Connection reset by peer' } : {}),
      protocol: 'SFTP',
      bytes: o.bytes ?? 1024,
      'client-ip': o.clientIp ?? '203.0.113.7',
      'end-timestamp': o.end ?? '2026-12-06T14:03:07.123456Z',
      ...(o.etag !== undefined ? { etag: o.etag } : {}),
      'file-path': o.path ?? `/${BUCKET}/${o.key ?? `partners/${o.user}/price-list.csv`}`,
      'server-id': o.server ?? SERVER,
      username: o.user,
      'session-id': o.session ?? 'c7a1f0a2b3c4d5e6',
      'start-timestamp': o.start ?? '2026-12-06T14:03:05.000001Z',
    },
  };
}

export interface GetObjectOptions {
  /** The partner whose role the session assumed; `role` overrides the role name. */
  partner?: string;
  role?: string;
  issuerArn?: string;
  session?: string;
  key: string;
  bucket?: string;
  bytes?: number;
  range?: string;
  errorCode?: string;
  account?: string;
  eventID?: string;
  id?: string;
  time?: string;
}

/** CloudTrail's data event for a GetObject, as EventBridge sends it. */
export function s3GetObject(o: GetObjectOptions): Record<string, unknown> {
  const account = o.account ?? ACCOUNT;
  const role = o.role ?? `partnergate-partner-${o.partner ?? 'acme'}`;
  const session = o.session ?? 'partner-pull-1700000000';
  const at = o.time ?? '2026-12-06T14:05:00Z';
  return {
    version: '0', id: o.id ?? randomUUID(), 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.s3', account, time: at,
    region: 'eu-west-1', resources: [],
    detail: {
      eventVersion: '1.10',
      userIdentity: {
        type: 'AssumedRole', principalId: `AROAEXAMPLEID:${session}`, arn: `arn:aws:sts::${account}:assumed-role/${role}/${session}`, accountId: account,
        sessionContext: {
          sessionIssuer: { type: 'Role', principalId: 'AROAEXAMPLEID', arn: o.issuerArn ?? `arn:aws:iam::${account}:role/partnergate/partners/${role}`, accountId: account, userName: role },
          attributes: { creationDate: '2026-12-06T14:00:00Z', mfaAuthenticated: 'false' },
        },
      },
      eventTime: at, eventSource: 's3.amazonaws.com', eventName: 'GetObject', awsRegion: 'eu-west-1', sourceIPAddress: '198.51.100.20',
      userAgent: '[aws-cli/2.22.0]',
      ...(o.errorCode ? { errorCode: o.errorCode, errorMessage: 'Access Denied' } : {}),
      requestParameters: { bucketName: o.bucket ?? BUCKET, Host: `${o.bucket ?? BUCKET}.s3.eu-west-1.amazonaws.com`, key: o.key, ...(o.range ? { Range: o.range } : {}) },
      responseElements: null,
      additionalEventData: { SignatureVersion: 'SigV4', bytesTransferredIn: 0, bytesTransferredOut: o.bytes ?? 1024, 'x-amz-id-2': 'abc' },
      requestID: randomUUID(), eventID: o.eventID ?? randomUUID(), readOnly: true,
      resources: [{ type: 'AWS::S3::Object', ARN: `arn:aws:s3:::${o.bucket ?? BUCKET}/${o.key}` }],
      eventType: 'AwsApiCall', managementEvent: false, recipientAccountId: account, eventCategory: 'Data',
    },
  };
}
