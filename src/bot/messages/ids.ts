/** Every callback_id, action_id and block_id the bot uses, in one place. */
export const COMMANDS = {
  onboardPartner: '/onboard-partner',
  resendFile: '/resend-file',
  partnerStatus: '/partner-status',
  offboardPartner: '/offboard-partner',
  partnerKeys: '/partner-keys',
} as const;

export const VIEWS = {
  onboard: 'onboard_partner_modal',
  offboard: 'offboard_partner_modal',
  partnerKeys: 'partner_keys_modal',
  partnerEdit: 'partner_edit_modal',
  reviewKeep: 'review_keep_modal',
  planDocuments: 'plan_documents_modal',
} as const;

/** The access review's Keep modal: its one input (element action_id `value`). */
export const REVIEW_FIELDS = { reason: 'reason' } as const;

/** Blocks of the lifecycle modals (offboard, keys, edit); every element's action_id is `value`. */
export const LIFECYCLE_FIELDS = {
  partnerId: 'partner_id',
  prefixOption: 'prefix_option',
  reason: 'reason',
  addKeys: 'add_keys',
  removeKeys: 'remove_keys',
  rotateExternalId: 'rotate_external_id',
  feeds: 'feeds',
  contactEmail: 'contact_email',
  owner: 'owner',
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
  changeApprove: 'change_approve',
  changeReject: 'change_reject',
  reapplyDrift: 'drift_reapply',
  editPartner: 'partner_edit',
  reviewKeep: 'review_keep',
  reviewOffboard: 'review_offboard',
  planDocuments: 'plan_documents',
} as const;

/** The App Home's own controls (docs/app-home.md): the filter by id (an external select) and status, and the pages. */
export const HOME_ACTIONS = {
  filterId: 'home_filter_id',
  filterStatus: 'home_filter_status',
  clear: 'home_filter_clear',
  page: 'home_page',
} as const;

/** The ref under which the notify worker records a request card's channel and ts. */
export const cardRef = (requestId: string): string => `card:${requestId}`;
export const requestIdFromCardRef = (ref: string): string | null => (ref.startsWith('card:') ? ref.slice(5) : null);

/** The ref of a lifecycle change's card (posted in the partner's thread). */
export const changeRef = (changeId: string): string => `chg:${changeId}`;
export const changeIdFromRef = (ref: string): string | null => (ref.startsWith('chg:') ? ref.slice(4) : null);

/** The ref of an access review's card (in the partner's thread), by review id (`acme.3`). */
export const reviewRef = (reviewId: string): string => `review:${reviewId}`;

/** The ref of a feed fan-out's summary in DELIVERIES_CHANNEL: pickups update it ("picked up by N of M"). */
export const fanoutSummaryRef = (vh: string): string => `fanout:${vh}`;
