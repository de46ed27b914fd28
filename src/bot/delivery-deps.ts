/**
 * What the delivery listeners (/resend-file, /partner-status, the Resend button) need. BotDeps
 * (./deps.ts) extends it; src/main.ts binds the use cases with createDeliveryUseCases.
 */
import type { Logger } from '../logger.js';
import type { Notify } from '../actions/ports.js';
import type { ResendResult } from '../actions/delivery/index.js';
import type { PartnerStatusResult } from '../actions/delivery/index.js';

export interface DeliveryBotDeps {
  logger: Logger;
  notify: Notify;
  resendFile: (input: { partnerId: string; file: string; actor: string }) => Promise<ResendResult>;
  resendFailed: (input: { token: string; actor: string }) => Promise<ResendResult>;
  partnerStatus: (input: { partnerId: string }) => Promise<PartnerStatusResult>;
}
