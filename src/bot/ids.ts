/** Every callback_id, action_id and block_id the bot uses, in one place. */
export const COMMANDS = {
  onboardPartner: '/onboard-partner',
  resendFile: '/resend-file',
  partnerStatus: '/partner-status',
} as const;

export const VIEWS = {
  onboard: 'onboard_partner_modal',
} as const;

/** Modal blocks, one per field; `action` is the element's action_id inside the block. */
export const ONBOARD_FIELDS = {
  displayName: { block: 'display_name', action: 'value' },
  partnerId: { block: 'partner_id', action: 'value' },
  contactEmail: { block: 'contact_email', action: 'value' },
  sshKeys: { block: 'ssh_keys', action: 'value' },
  accountId: { block: 'account_id', action: 'value' },
  feeds: { block: 'feeds', action: 'value' },
  notes: { block: 'notes', action: 'value' },
} as const;

export type OnboardField = keyof typeof ONBOARD_FIELDS;

export const ACTIONS = {
  approve: 'request_approve',
  reject: 'request_reject',
  retryProvision: 'provision_retry',
  retryVerify: 'verify_retry',
  resend: 'delivery_resend',
} as const;

/** The ref under which the notify worker records a request card's channel and ts. */
export const cardRef = (requestId: string): string => `card:${requestId}`;
export const requestIdFromCardRef = (ref: string): string | null => (ref.startsWith('card:') ? ref.slice(5) : null);
