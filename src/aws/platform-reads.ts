/**
 * The read-only calls `partnergate doctor` makes about the platform: who the credentials are, the
 * Transfer server, the platform's roles and boundary, what IAM says the bot may do, and the event
 * queues' settings. One command per function, client first, SDK exceptions as AwsError; "not
 * there" is null where the doctor must tell it from a refusal.
 */
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { DescribeServerCommand, type TransferClient } from '@aws-sdk/client-transfer';
import { GetPolicyCommand, SimulatePrincipalPolicyCommand, type IAMClient } from '@aws-sdk/client-iam';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { call, hasCode } from './aws-error.js';
import type { RightSample } from './policies/index.js';

export async function callerIdentity(client: STSClient): Promise<{ account: string; arn: string }> {
  const out = await call('sts', 'GetCallerIdentity', () => client.send(new GetCallerIdentityCommand({})));
  return { account: out.Account ?? '', arn: out.Arn ?? '' };
}

export interface ServerState {
  state: string;
  identityProvider: string;
  domain: string;
  protocols: string[];
  endpointType: string;
}

/** The Transfer server, or null when there is none of that id. */
export async function describeServer(client: TransferClient, serverId: string): Promise<ServerState | null> {
  try {
    const out = await call('transfer', 'DescribeServer', () => client.send(new DescribeServerCommand({ ServerId: serverId })));
    const s = out.Server;
    return {
      state: s?.State ?? '', identityProvider: s?.IdentityProviderType ?? '', domain: s?.Domain ?? '',
      protocols: s?.Protocols ?? [], endpointType: s?.EndpointType ?? '',
    };
  } catch (err) {
    if (hasCode(err, 'ResourceNotFoundException')) return null;
    throw err;
  }
}

/** A managed policy's existence (GetPolicy): true, or false when there is none of that ARN. */
export async function policyExists(client: IAMClient, policyArn: string): Promise<boolean> {
  try {
    await call('iam', 'GetPolicy', () => client.send(new GetPolicyCommand({ PolicyArn: policyArn })));
    return true;
  } catch (err) {
    if (hasCode(err, 'NoSuchEntityException', 'NoSuchEntity')) return false;
    throw err;
  }
}

export interface RightVerdict {
  sample: RightSample;
  /** IAM's EvalDecision: `allowed`, `explicitDeny` or `implicitDeny`. */
  decision: string;
}

/**
 * IAM's verdict on each sample for the principal (SimulatePrincipalPolicy: its identity policies,
 * its boundary, the organization's SCPs). One call per resource and context, as the API evaluates
 * every action named against every resource named; pages followed.
 */
export async function simulateRights(client: IAMClient, principalArn: string, samples: RightSample[]): Promise<RightVerdict[]> {
  const batches = new Map<string, RightSample[]>();
  for (const s of samples) {
    const key = JSON.stringify([s.resource, s.context ?? {}]);
    batches.set(key, [...(batches.get(key) ?? []), s]);
  }
  const verdicts: RightVerdict[] = [];
  for (const batch of batches.values()) {
    const { resource, context } = batch[0]!;
    let marker: string | undefined;
    do {
      const out = await call('iam', 'SimulatePrincipalPolicy', () =>
        client.send(new SimulatePrincipalPolicyCommand({
          PolicySourceArn: principalArn,
          ActionNames: [...new Set(batch.map((s) => s.action))],
          ...(resource !== '*' ? { ResourceArns: [resource] } : {}),
          ContextEntries: Object.entries(context ?? {}).map(([ContextKeyName, value]) => ({ ContextKeyName, ContextKeyValues: [value], ContextKeyType: 'string' })),
          ...(marker ? { Marker: marker } : {}),
        })),
      );
      for (const r of out.EvaluationResults ?? []) {
        for (const sample of batch.filter((s) => s.action === r.EvalActionName)) verdicts.push({ sample, decision: r.EvalDecision ?? 'implicitDeny' });
      }
      marker = out.IsTruncated ? out.Marker : undefined;
    } while (marker);
  }
  return verdicts;
}

/** A queue's attributes (all of them), or null when there is no such queue. */
export async function queueAttributes(client: SQSClient, queueUrl: string): Promise<Record<string, string> | null> {
  try {
    const out = await call('sqs', 'GetQueueAttributes', () => client.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] })));
    return out.Attributes ?? {};
  } catch (err) {
    if (hasCode(err, 'AWS.SimpleQueueService.NonExistentQueue', 'QueueDoesNotExist')) return null;
    throw err;
  }
}
