/**
 * What the bot must be allowed to do, as sample requests: one (action, resource, context) per thing
 * it does, on a resource of the kind it does it to. `partnergate doctor` asks IAM to evaluate them
 * for the bot role (SimulatePrincipalPolicy), so a role that is not the platform stack's, a Deny
 * attached beside it or an organization's SCP shows up as the right it takes away, named. (A
 * simulation reads no key policy: the doctor reads the canary object to prove the key's side.)
 * test/unit/aws/policies/bot-rights.test.ts holds the rendered bot role to every sample. Pure.
 */
import type { PlatformConfig } from './platform.js';
import {
  bucketArn, deliveryQueueArn, partnerRoleArn, platformEventsQueueArn, s3ViaService, TRANSFER_SERVICE,
} from './names.js';

/** What a group of rights is on: one line of the doctor's report each. */
export type RightsGroup = 'bucket' | 'key' | 'partner roles' | 'transfer' | 'verifier' | 'policy checks' | 'queues';

export interface RightSample {
  group: RightsGroup;
  action: string;
  resource: string;
  /** Condition keys the request carries (as the bot's own request would). */
  context?: Record<string, string>;
}

/** A sample partner id: a simulation needs a resource of each kind, not one that exists. */
const SAMPLE_PARTNER = 'partnergate-doctor';

export function botRightSamples(p: PlatformConfig, o: { deliveryQueue: boolean; platformEventsQueue: boolean }): RightSample[] {
  const object = (key: string) => `${bucketArn(p)}/${key}`;
  const outbound = object(`${p.outboundPrefix}${SAMPLE_PARTNER}/doctor.csv`);
  const copy = object(`partners/${SAMPLE_PARTNER}/doctor.csv`);
  const audit = object('audit/doctor/doctor.jsonl');
  const role = partnerRoleArn(p, SAMPLE_PARTNER);
  const boundary = { 'iam:PermissionsBoundary': p.permissionsBoundaryArn };
  const user = `arn:${p.partition}:transfer:${p.region}:${p.accountId}:user/${p.transferServerId}/${SAMPLE_PARTNER}`;
  const viaS3 = { 'kms:ViaService': s3ViaService(p) };
  const queues = [...(o.deliveryQueue ? [deliveryQueueArn(p)] : []), ...(o.platformEventsQueue ? [platformEventsQueueArn(p)] : [])];
  return [
    { group: 'bucket', action: 's3:ListBucket', resource: bucketArn(p), context: { 's3:prefix': p.outboundPrefix } },
    ...['s3:GetObject', 's3:GetObjectVersion'].map((action) => ({ group: 'bucket' as const, action, resource: outbound })),
    ...['s3:PutObject', 's3:PutObjectTagging', 's3:GetObject', 's3:GetObjectTagging', 's3:DeleteObject'].map((action) => ({ group: 'bucket' as const, action, resource: copy })),
    { group: 'bucket', action: 's3:PutObject', resource: audit, context: { 's3:if-none-match': '*' } },
    { group: 'bucket', action: 's3:GetObject', resource: audit },
    ...['kms:GenerateDataKey', 'kms:Decrypt'].map((action) => ({ group: 'key' as const, action, resource: p.kmsKeyArn, context: viaS3 })),
    // IAM sets iam:PermissionsBoundary on these from the request (create) or the role (the others).
    ...['iam:CreateRole', 'iam:PutRolePolicy', 'iam:UpdateAssumeRolePolicy', 'iam:DeleteRolePolicy'].map(
      (action) => ({ group: 'partner roles' as const, action, resource: role, context: boundary }),
    ),
    ...['iam:GetRole', 'iam:TagRole', 'iam:DeleteRole'].map((action) => ({ group: 'partner roles' as const, action, resource: role })),
    { group: 'partner roles', action: 'iam:ListRoles', resource: '*' },
    { group: 'partner roles', action: 'iam:PassRole', resource: p.transferRoleArn, context: { 'iam:PassedToService': TRANSFER_SERVICE } },
    ...['transfer:CreateUser', 'transfer:DescribeServer', 'transfer:ListUsers', 'transfer:ListHostKeys'].map((action) => ({ group: 'transfer' as const, action, resource: p.transferServerArn })),
    ...['transfer:DescribeUser', 'transfer:UpdateUser', 'transfer:ImportSshPublicKey', 'transfer:DeleteSshPublicKey', 'transfer:TagResource', 'transfer:DeleteUser'].map(
      (action) => ({ group: 'transfer' as const, action, resource: user }),
    ),
    { group: 'verifier', action: 'sts:AssumeRole', resource: p.verifierRoleArn },
    ...['access-analyzer:ValidatePolicy', 'access-analyzer:CheckAccessNotGranted', 'access-analyzer:CheckNoPublicAccess'].map(
      (action) => ({ group: 'policy checks' as const, action, resource: '*' }),
    ),
    ...queues.flatMap((q) => ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes'].map((action) => ({ group: 'queues' as const, action, resource: q }))),
  ];
}
