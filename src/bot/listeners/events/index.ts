/** Events: the approval reaction, on a request card or a change card. */
import type { BotDeps } from '../../deps.js';
import { approvalReaction } from './approval-reaction.js';

export const reactionListeners = (deps: BotDeps) => [approvalReaction(deps)];
