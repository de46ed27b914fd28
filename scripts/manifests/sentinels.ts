/**
 * The sentinel parameters the manifests are rendered with, and what CloudFormation puts in their
 * place. Each sentinel passes the same validation as a real value (the platform through
 * loadPlatformConfig, the partner through the renderer's own checks), so the manifests come from
 * exactly the code path the bot runs; and each is text no rendered document contains otherwise.
 */
import { loadPlatformConfig } from '../../src/config.js';
import { type PlatformConfig } from '../../src/aws/policies/platform.js';
import type { PartnerSpec } from '../../src/aws/policies/index.js';
import type { SubstitutionSet } from './cfn-value.js';

export const SENTINELS = {
  region: 'xx-pgregion-9',
  accountId: '000000000000',
  bucket: 'zz-sentinel-bucket-zz',
  kmsKeyArn: 'arn:aws:kms:xx-pgregion-9:000000000000:key/5e771e1a-0000-4000-8000-00000000c0de',
  transferServerId: 's-0ddba11cafef00d5e',
  outboundPrefix: 'zz-sentinel-outbound/',
  partnerId: 'zz-sentinel-partner-zz',
  partnerAccountId: '999999999999',
  externalId: 'ZZ-SENTINEL-EXTERNAL-ID-ZZZZZZZZZZZZZZZZZZZZ',
  botRunsAsRole: 'zz-sentinel-bot-runs-as-zz',
} as const;

/** The platform as `partnergate render` would load it, with sentinel values. */
export function sentinelPlatform(): PlatformConfig {
  return loadPlatformConfig({
    AWS_REGION: SENTINELS.region,
    AWS_ACCOUNT_ID: SENTINELS.accountId,
    DISTRIBUTION_BUCKET: SENTINELS.bucket,
    KMS_KEY_ARN: SENTINELS.kmsKeyArn,
    TRANSFER_SERVER_ID: SENTINELS.transferServerId,
    OUTBOUND_PREFIX: SENTINELS.outboundPrefix,
  });
}

/** The same platform with the bot running as a named role (BotRunsAsRole) instead of an ECS task. */
export function sentinelPlatformRunningAsRole(): PlatformConfig {
  return { ...sentinelPlatform(), botRunsAsRole: SENTINELS.botRunsAsRole };
}

/** A partner with an account, so that every partner document is rendered. */
export function sentinelPartner(): PartnerSpec {
  return {
    partnerId: SENTINELS.partnerId,
    accountId: SENTINELS.partnerAccountId,
    externalId: SENTINELS.externalId,
    sshKeys: [],
    feeds: [],
  };
}

const LEFTOVERS = ['sentinel', 'SENTINEL', 'pgregion', SENTINELS.accountId, SENTINELS.partnerAccountId, '0ddba11', '5e771e1a'];

/**
 * The order matters where sentinels nest: the key ARN holds the partition, region and account, so it
 * comes first; `arn:aws:` is the partition (sentinelPlatform's region maps to the `aws` partition).
 */
function common(names: { kmsKeyArn: string; bucket: string; transferServerId: string }): SubstitutionSet['substitutions'] {
  return [
    { find: SENTINELS.kmsKeyArn, sub: `\${${names.kmsKeyArn}}` },
    { find: 'arn:aws:', sub: 'arn:${AWS::Partition}:' },
    // kms:ViaService names S3's endpoint, whose domain differs by partition (amazonaws.com.cn in China).
    { find: `s3.${SENTINELS.region}.amazonaws.com`, sub: 's3.${AWS::Region}.${AWS::URLSuffix}' },
    { find: SENTINELS.region, sub: '${AWS::Region}' },
    { find: SENTINELS.accountId, sub: '${AWS::AccountId}' },
    { find: SENTINELS.bucket, sub: `\${${names.bucket}}` },
    { find: SENTINELS.transferServerId, sub: `\${${names.transferServerId}}` },
  ];
}

/** manifests/platform.yaml: the stack's own key and server, and its parameters. */
export const PLATFORM_SUBSTITUTIONS: SubstitutionSet = {
  substitutions: [
    ...common({ kmsKeyArn: 'PlatformKey.Arn', bucket: 'BucketName', transferServerId: 'TransferServer.ServerId' }),
    { find: SENTINELS.outboundPrefix, sub: '${OutboundPrefix}' },
    { find: SENTINELS.botRunsAsRole, sub: '${BotRunsAsRole}' },
  ],
  leftovers: LEFTOVERS,
};

/** manifests/runtime.yaml: the platform's values as the platform stack's outputs, passed as parameters. */
export const RUNTIME_SUBSTITUTIONS: SubstitutionSet = {
  substitutions: [
    ...common({ kmsKeyArn: 'KmsKeyArn', bucket: 'DistributionBucket', transferServerId: 'TransferServerId' }),
    { find: SENTINELS.outboundPrefix, sub: '${OutboundPrefix}' },
  ],
  leftovers: LEFTOVERS,
};

/** manifests/partner/partner.yaml: the platform's values and the partner's, all parameters. */
export const PARTNER_SUBSTITUTIONS: SubstitutionSet = {
  substitutions: [
    ...common({ kmsKeyArn: 'KmsKeyArn', bucket: 'BucketName', transferServerId: 'TransferServerId' }),
    { find: SENTINELS.partnerId, sub: '${PartnerId}' },
    { find: SENTINELS.partnerAccountId, sub: '${PartnerAccountId}' },
    { find: SENTINELS.externalId, sub: '${ExternalId}' },
  ],
  leftovers: LEFTOVERS,
};
