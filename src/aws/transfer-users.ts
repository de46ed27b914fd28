/**
 * Transfer Family user operations of the partner lifecycle (offboarding, rebuild): one command per
 * function, client first, SDK exceptions as AwsError.
 */
import { DeleteUserCommand, ListTagsForResourceCommand, ListUsersCommand, UpdateUserCommand, type TransferClient, type UpdateUserRequest } from '@aws-sdk/client-transfer';

export type UpdateUserInput = Omit<UpdateUserRequest, 'ServerId'> & { UserName: string };
import { call, hasCode } from './aws-error.js';

/** Deletes the user (and its SSH keys with it); false when it was not there. */
export async function deleteUser(client: TransferClient, serverId: string, userName: string): Promise<boolean> {
  try {
    await call('transfer', 'DeleteUser', () => client.send(new DeleteUserCommand({ ServerId: serverId, UserName: userName })));
    return true;
  } catch (err) {
    if (hasCode(err, 'ResourceNotFoundException')) return false;
    throw err;
  }
}

/** Rewrites a user's role, home and session policy (keys and tags are not touched). */
export async function updateUser(client: TransferClient, serverId: string, input: UpdateUserInput): Promise<void> {
  await call('transfer', 'UpdateUser', () => client.send(new UpdateUserCommand({ ...input, ServerId: serverId })));
}

export interface ListedUser {
  userName: string;
  arn: string;
}

/** Every user of the server (ListUsers, every page). */
export async function listUsers(client: TransferClient, serverId: string): Promise<ListedUser[]> {
  const users: ListedUser[] = [];
  let token: string | undefined;
  do {
    const out = await call('transfer', 'ListUsers', () =>
      client.send(new ListUsersCommand({ ServerId: serverId, MaxResults: 1000, ...(token ? { NextToken: token } : {}) })),
    );
    for (const u of out.Users ?? []) if (u.UserName) users.push({ userName: u.UserName, arn: u.Arn ?? '' });
    token = out.NextToken;
  } while (token);
  return users;
}

/** The tags of a Transfer resource by ARN (every page); {} when it is not there. */
export async function listTagsForResource(client: TransferClient, arn: string): Promise<Record<string, string>> {
  const tags: Record<string, string> = {};
  let token: string | undefined;
  try {
    do {
      const out = await call('transfer', 'ListTagsForResource', () =>
        client.send(new ListTagsForResourceCommand({ Arn: arn, ...(token ? { NextToken: token } : {}) })),
      );
      for (const t of out.Tags ?? []) if (t.Key) tags[t.Key] = t.Value ?? '';
      token = out.NextToken;
    } while (token);
  } catch (err) {
    if (hasCode(err, 'ResourceNotFoundException')) return {};
    throw err;
  }
  return tags;
}
