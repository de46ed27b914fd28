/**
 * The platform the renderer renders for: the enterprise account's resources (from configuration,
 * read once by the composition root) and the platform stack's fixed names.
 */
export interface PlatformConfig {
  partition: string;
  region: string;
  accountId: string;
  bucket: string;
  kmsKeyArn: string;
  transferServerId: string;
  transferServerArn: string;
  transferRoleArn: string;
  verifierRoleArn: string;
  botRoleArn: string;
  permissionsBoundaryArn: string;
  outboundPrefix: string;
  feeds: string[];
  dryRun: boolean;
  /**
   * The IAM role of this account the bot runs as when it is not an ECS task (an EC2 instance role,
   * an EKS pod's role), as its ARN says after `role/`: `eks/partnergate-bot`. The bot role then
   * trusts that role alone. Unset: the bot is an ECS task, and its role trusts ECS tasks of this
   * account and region. manifests/platform.yaml's BotRunsAsRole.
   */
  botRunsAsRole?: string;
}

/** Fixed names of the platform stack (manifests/platform.yaml); ARNs are derived from them. */
export const STACK_NAMES = {
  iamPath: '/partnergate/',
  partnerRolePath: '/partnergate/partners/',
  transferRole: 'partnergate-transfer',
  verifierRole: 'partnergate-verifier',
  botRole: 'partnergate-bot',
  permissionsBoundary: 'partnergate-partner-boundary',
  /**
   * The Transfer server's structured (JSON) log group: a fixed name, because the server names it
   * (StructuredLogDestinations) and a name with the server's id would make the stack a cycle.
   * The pickup deadlines read it (docs/pickups.md "The source of record").
   */
  transferLogGroup: '/partnergate/sftp',
} as const;
