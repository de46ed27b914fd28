/**
 * The shapes of the documents the renderer produces. They are plain JSON (no classes), so a
 * rendered plan can be printed, hashed, stored and compared as it is.
 */

export type StringOrList = string | string[];

/** Condition operator → condition key → value(s), as IAM writes it. */
export type PolicyCondition = Record<string, Record<string, StringOrList>>;

export type PolicyPrincipal = '*' | { AWS?: StringOrList; Service?: StringOrList };

export interface PolicyStatement {
  /** Every statement the renderer writes has a Sid (letters and digits only). */
  Sid: string;
  Effect: 'Allow' | 'Deny';
  Principal?: PolicyPrincipal;
  Action?: StringOrList;
  NotAction?: StringOrList;
  Resource?: StringOrList;
  NotResource?: StringOrList;
  Condition?: PolicyCondition;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

/** An inline or managed policy by its name. */
export interface NamedPolicy {
  name: string;
  document: PolicyDocument;
}

/** What a partner asks for; `accountId` set means the partner also pulls through its own role. */
export interface PartnerSpec {
  partnerId: string;
  accountId?: string;
  externalId: string;
  sshKeys: string[];
  feeds: string[];
}

/** The Transfer Family CreateUser input, with `Policy` kept as an object (serialize it to send). */
export interface TransferUserInput {
  ServerId: string;
  UserName: string;
  Role: string;
  HomeDirectoryType: 'LOGICAL';
  HomeDirectoryMappings: Array<{ Entry: '/'; Target: string }>;
  Policy: PolicyDocument;
  Tags: Array<{ Key: string; Value: string }>;
}

export interface RenderedRole {
  roleName: string;
  arn: string;
  trustPolicy: PolicyDocument;
  /** Its inline policies. */
  policies: NamedPolicy[];
  /** The customer managed policies attached to it (the bot role's); absent: none. */
  managedPolicies?: RenderedManagedPolicy[];
}

/** A partner's own role: under the partner path, with the permissions boundary, tagged. */
export interface RenderedPartnerRole extends RenderedRole {
  path: string;
  permissionsBoundary: string;
  tags: Record<string, string>;
}

/** A managed policy (the permissions boundary, the bot role's), in the same `policies` shape as a role: one document. */
export interface RenderedManagedPolicy {
  name: string;
  arn: string;
  path: string;
  policies: NamedPolicy[];
}

/** `partnergate render --partner-id …`: every document that governs one partner's access. */
export interface RenderedPartner {
  partnerId: string;
  homePrefix: string;
  transferUser: TransferUserInput;
  transferRole: RenderedRole;
  partnerRole: RenderedPartnerRole | null;
  bucketPolicy: PolicyDocument;
  kmsKeyPolicy: PolicyDocument;
  /** What the partner attaches in its own account to assume its role; null without an account. */
  partnerSidePolicy: PolicyDocument | null;
}

/** `partnergate render --platform`: the documents that are the same for every partner. */
/**
 * The bucket's settings that decide who can reach its objects besides its policy: all four public
 * access blocks on, ACLs disabled (the bucket owner owns every object, so no ACL can grant
 * anything), and default encryption with the platform key (Bucket Keys on).
 */
export interface BucketSettings {
  publicAccessBlock: { BlockPublicAcls: boolean; IgnorePublicAcls: boolean; BlockPublicPolicy: boolean; RestrictPublicBuckets: boolean };
  objectOwnership: string;
  encryption: { algorithm: string; kmsKeyArn: string; bucketKeyEnabled: boolean };
}

export interface RenderedPlatform {
  bucketPolicy: PolicyDocument;
  bucketSettings: BucketSettings;
  kmsKeyPolicy: PolicyDocument;
  transferRole: RenderedRole;
  botRole: RenderedRole;
  verifierRole: RenderedRole;
  permissionsBoundary: RenderedManagedPolicy;
}
