/** Building blocks shared by several documents. */
import type { PlatformConfig } from './platform.js';
import { bucketArn, objectsArn, s3ViaService } from './names.js';
import type { PolicyDocument, PolicyStatement } from './types.js';

export function policy(...statements: PolicyStatement[]): PolicyDocument {
  return { Version: '2012-10-17', Statement: statements };
}

/**
 * Read-only access to one key prefix (ending in `/`), written out in full:
 * - ListBucket only when the request names the prefix itself or something below it. A request
 *   with no prefix, an empty prefix, or `partners/<id>` without the slash matches neither value,
 *   so it is denied whatever its delimiter; the delimiter only groups keys already under the
 *   prefix, so it needs no condition of its own.
 * - GetObject / GetObjectVersion on the objects under the prefix.
 * - kms:Decrypt only when S3 calls KMS on the caller's behalf (objects are SSE-KMS).
 * `name` makes the Sids: List<name>, Read<name>, Decrypt<name>ViaS3.
 */
export function readPrefixStatements(p: PlatformConfig, prefix: string, name: string): PolicyStatement[] {
  if (!prefix.endsWith('/')) throw new Error(`a read prefix must end in "/": ${JSON.stringify(prefix)}`);
  return [
    {
      Sid: `List${name}`,
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: bucketArn(p),
      Condition: { StringLike: { 's3:prefix': [prefix, `${prefix}*`] } },
    },
    {
      Sid: `Read${name}`,
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:GetObjectVersion'],
      Resource: objectsArn(p, prefix),
    },
    decryptViaS3(p, `Decrypt${name}ViaS3`, ['kms:Decrypt']),
  ];
}

export function decryptViaS3(p: PlatformConfig, sid: string, actions: string[]): PolicyStatement {
  return {
    Sid: sid,
    Effect: 'Allow',
    Action: actions.length === 1 ? actions[0]! : actions,
    Resource: p.kmsKeyArn,
    Condition: { StringEquals: { 'kms:ViaService': s3ViaService(p) } },
  };
}

/** A trust statement letting one role ARN assume the role (sts:AssumeRole only). */
export function trustRole(sid: string, roleArn: string): PolicyStatement {
  return { Sid: sid, Effect: 'Allow', Principal: { AWS: roleArn }, Action: 'sts:AssumeRole' };
}
