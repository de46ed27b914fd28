/**
 * manifests/platform.yaml deployed offline (tools/cloudformation), as the manifest tests of the
 * platform and of the runtime stack both need it: the regions they deploy in, and the Outputs as the
 * environment variables they name (each output key is its variable in PascalCase).
 */
import { readFileSync } from 'node:fs';
import { deploy, isCreated, parseTemplate, resolve, type CfnTemplate, type Deployment } from '../../tools/cloudformation/cloudformation.js';

export const ACCOUNT = '111122223333';
export const REGIONS = [
  { region: 'eu-west-1', partition: 'aws', suffix: 'amazonaws.com' },
  { region: 'cn-north-1', partition: 'aws-cn', suffix: 'amazonaws.com.cn' },
];
/** The Elastic IPs a VPC endpoint deployment gets, in the order of its subnets (documentation addresses). */
export const STATIC_IPS = ['203.0.113.10', '203.0.113.11', '203.0.113.12'];
export type Region = (typeof REGIONS)[number];

export const platformTemplate = (): CfnTemplate => parseTemplate(readFileSync('manifests/platform.yaml', 'utf8'));

export const pseudoOf = (r: Region) => ({ 'AWS::Region': r.region, 'AWS::Partition': r.partition, 'AWS::AccountId': ACCOUNT, 'AWS::URLSuffix': r.suffix });

export function deployPlatform(t: CfnTemplate, r: Region = REGIONS[0]!, parameters: Record<string, string> = {}): Deployment {
  return deploy(
    t,
    { BucketName: 'acme-partner-files', OutboundPrefix: 'drop/', ...parameters },
    pseudoOf(r),
    {
      PlatformKey: { Ref: '0b7c7e3a-1d2e-4f5a-9b8c-7d6e5f4a3b2c' },
      TransferServer: { ServerId: 's-0123456789abcdef0' },
      TrailBucket: { Ref: 'partnergate-platform-trailbucket-1a2b3c4d' },
      // Used with TransferEndpointType VPC: an EIP's Ref is its public address.
      ...Object.fromEntries(STATIC_IPS.map((ip, i) => [`TransferAddress${i + 1}`, { Ref: ip, AllocationId: `eipalloc-0000000000000000${i + 1}` }])),
      TransferSecurityGroup: { GroupId: 'sg-0123456789abcdef0' },
    },
  );
}

/** Output keys are the environment variables in PascalCase: DeliveryQueueUrl → DELIVERY_QUEUE_URL. */
export function envName(outputKey: string): string {
  return outputKey.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/** The deployed Outputs by key. */
export function outputsOf(d: Deployment): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, o] of Object.entries(d.template.Outputs ?? {})) {
    if (isCreated(d, o)) out[key] = String(resolve(d, o.Value));
  }
  return out;
}

export function outputsAsEnv(d: Deployment): Record<string, string> {
  return Object.fromEntries(Object.entries(outputsOf(d)).map(([key, value]) => [envName(key), value]));
}
