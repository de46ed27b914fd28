/** Who can act next, named as people in Slack (mentions), never as the settings that list them. Pure. */
import { joinMrkdwn, mrkdwn, user, usergroup, type Mrkdwn } from './mrkdwn.js';

/** The approvers as configured: APPROVERS (user ids) and APPROVER_USERGROUP (a user group id). */
export interface Approvers {
  users: readonly string[];
  usergroup?: string | undefined;
}

/** "<@U1>, <@U2> or <!subteam^S1>"; "an approver" when none is configured (never at run time: config requires one). */
export function approversNamed(a: Approvers): Mrkdwn {
  const names = [...a.users.map(user), ...(a.usergroup ? [usergroup(a.usergroup)] : [])];
  if (names.length === 0) return mrkdwn`an approver`;
  if (names.length === 1) return names[0]!;
  return mrkdwn`${joinMrkdwn(names.slice(0, -1), ', ')} or ${names[names.length - 1]!}`;
}
