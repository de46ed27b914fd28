/** The slash commands, by command name, with what each needs (src/domain/authorization.ts). */
import type { BotDeps } from '../../deps.js';
import { COMMANDS } from '../../messages/ids.js';
import { gated } from '../gate.js';
import { offboardPartnerCommand } from './offboard-partner.js';
import { onboardPartnerCommand } from './onboard-partner.js';
import { partnerKeysCommand } from './partner-keys.js';
import { partnerStatusCommand } from './partner-status.js';
import { resendFileCommand } from './resend-file.js';

export const commandListeners = (deps: BotDeps) => new Map([
  [COMMANDS.onboardPartner, gated('request', onboardPartnerCommand(deps))],
  [COMMANDS.resendFile, gated('resend', resendFileCommand(deps))],
  [COMMANDS.partnerStatus, gated('view', partnerStatusCommand(deps))],
  [COMMANDS.offboardPartner, gated('request', offboardPartnerCommand(deps))],
  [COMMANDS.partnerKeys, gated('request', partnerKeysCommand(deps))],
]);
