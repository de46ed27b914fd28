/** Events: the approval reaction, on a request card or a change card. */
import type { BotDeps } from '../../deps.js';
import { changeReactionAdded } from './change-reaction.js';
import { reactionAdded } from './reaction-added.js';

export const reactionListeners = (deps: BotDeps) => [reactionAdded(deps), changeReactionAdded(deps)];
