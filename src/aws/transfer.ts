/**
 * AWS Transfer Family adapter: one command per function, client first, SDK exceptions as AwsError.
 * Reads answer `null` for "not there" so that callers can read before they write.
 */
import {
  CreateUserCommand, DeleteSshPublicKeyCommand, DescribeUserCommand, ImportSshPublicKeyCommand, ListHostKeysCommand, TagResourceCommand,
  type CreateUserRequest, type DescribedUser, type TransferClient,
} from '@aws-sdk/client-transfer';
import { call, hasCode } from './aws-error.js';

export type { DescribedUser, CreateUserRequest };

/** The user, or null when the server has no user of that name. */
export async function describeUser(client: TransferClient, serverId: string, userName: string): Promise<DescribedUser | null> {
  try {
    const out = await call('transfer', 'DescribeUser', () => client.send(new DescribeUserCommand({ ServerId: serverId, UserName: userName })));
    return out.User ?? null;
  } catch (err) {
    if (hasCode(err, 'ResourceNotFoundException')) return null;
    throw err;
  }
}

/** Creates the user (with at most one SSH key: the others go through importSshPublicKey). */
export async function createUser(client: TransferClient, input: CreateUserRequest): Promise<void> {
  await call('transfer', 'CreateUser', () => client.send(new CreateUserCommand(input)));
}

/** Adds a public key to a user; answers the key's id. */
export async function importSshPublicKey(
  client: TransferClient,
  input: { serverId: string; userName: string; sshPublicKeyBody: string },
): Promise<string> {
  const out = await call('transfer', 'ImportSshPublicKey', () =>
    client.send(new ImportSshPublicKeyCommand({ ServerId: input.serverId, UserName: input.userName, SshPublicKeyBody: input.sshPublicKeyBody })),
  );
  return out.SshPublicKeyId ?? '';
}

/** Removes a public key; false when it was not there (already removed). */
export async function deleteSshPublicKey(
  client: TransferClient,
  input: { serverId: string; userName: string; sshPublicKeyId: string },
): Promise<boolean> {
  try {
    await call('transfer', 'DeleteSshPublicKey', () =>
      client.send(new DeleteSshPublicKeyCommand({ ServerId: input.serverId, UserName: input.userName, SshPublicKeyId: input.sshPublicKeyId })),
    );
    return true;
  } catch (err) {
    if (hasCode(err, 'ResourceNotFoundException')) return false;
    throw err;
  }
}

/** Adds (or overwrites) tags on a Transfer resource, such as a user's ARN. */
export async function tagResource(client: TransferClient, arn: string, tags: Record<string, string>): Promise<void> {
  const Tags = Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
  await call('transfer', 'TagResource', () => client.send(new TagResourceCommand({ Arn: arn, Tags })));
}

/** The SHA-256 fingerprints of the server's host keys (every page), as Transfer reports them. */
export async function listHostKeyFingerprints(client: TransferClient, serverId: string): Promise<string[]> {
  const fingerprints: string[] = [];
  let NextToken: string | undefined;
  do {
    const out = await call('transfer', 'ListHostKeys', () => client.send(new ListHostKeysCommand({ ServerId: serverId, NextToken })));
    for (const key of out.HostKeys ?? []) if (key.Fingerprint) fingerprints.push(key.Fingerprint);
    NextToken = out.NextToken;
  } while (NextToken);
  return fingerprints;
}
