/** The slash commands, by command name. */
import type { BotDeps } from '../../deps.js';
import { COMMANDS } from '../../messages/ids.js';
import { offboardPartnerCommand } from './offboard-partner.js';
import { onboardPartnerCommand } from './onboard-partner.js';
import { partnerKeysCommand } from './partner-keys.js';
import { partnerStatusCommand } from './partner-status.js';
import { resendFileCommand } from './resend-file.js';

export const commandListeners = (deps: BotDeps) => new Map([
  [COMMANDS.onboardPartner, onboardPartnerCommand(deps)],
  [COMMANDS.resendFile, resendFileCommand(deps)],
  [COMMANDS.partnerStatus, partnerStatusCommand(deps)],
  [COMMANDS.offboardPartner, offboardPartnerCommand(deps)],
  [COMMANDS.partnerKeys, partnerKeysCommand(deps)],
]);
