/** Who can act next, named as people in Slack (mentions), never as the settings that list them. Pure. */
import { peopleNamed, type Approvers } from '../../domain/authorization.js';
import { composed, type Mrkdwn } from './mrkdwn.js';

/** The approvers as src/domain/authorization.ts names whom to ask; "an approver" when none is configured (never at run time: config requires one). */
export const approversNamed = (a: Approvers): Mrkdwn => composed(peopleNamed(a.users, a.usergroup) ?? 'an approver');
