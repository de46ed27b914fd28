import { checkPartnerAccountId } from './aws-account-id.js';
import { checkDisplayName, checkEmail, checkNotes } from './contact.js';
import { checkFeeds } from './feeds.js';
import { invalid, valid, type FieldCheck } from './field-check.js';
import { explainPartnerIdProblem } from './partner-id.js';
import { parseSshPublicKeys, type ParsedKey } from './ssh-key.js';

/** The onboarding form's fields; the bot maps each to its Slack block id. */
export const ONBOARDING_FIELDS = [
  'displayName',
  'partnerId',
  'contactEmail',
  'sshKeys',
  'accountId',
  'feeds',
  'notes',
] as const;

export type FieldName = (typeof ONBOARDING_FIELDS)[number];

/** What the modal gave, as typed (unset optional inputs may come as null or undefined). */
export type OnboardingRaw = {
  displayName?: string | null;
  partnerId?: string | null;
  contactEmail?: string | null;
  sshKeys?: string | null;
  accountId?: string | null;
  feeds?: readonly string[] | null;
  notes?: string | null;
};

export type OnboardingContext = {
  /** The enterprise's own account (AWS_ACCOUNT_ID), which a partner may never name. */
  enterpriseAccountId: string;
  /** The configured feeds (FEEDS). */
  feeds: readonly string[];
};

export type OnboardingInput = {
  displayName: string;
  partnerId: string;
  contactEmail: string;
  sshKeys: ParsedKey[];
  /** Set: the partner pulls through its own role from this account. */
  accountId?: string;
  feeds: string[];
  notes?: string;
};

export type OnboardingErrors = Partial<Record<FieldName, string>>;

export type OnboardingParseResult = { ok: true; value: OnboardingInput } | { ok: false; errors: OnboardingErrors };

/**
 * Checks every field of an onboarding request and returns all problems at once, keyed by field.
 * Pure and fast: no I/O, so it fits in Slack's 3-second view_submission window. Whether the id is
 * already taken is the store's question, asked after this.
 */
export function parseOnboardingInput(raw: OnboardingRaw, ctx: OnboardingContext): OnboardingParseResult {
  const errors: OnboardingErrors = {};
  const take = <T>(field: FieldName, check: FieldCheck<T>): T | undefined => {
    if (check.ok) return check.value;
    errors[field] = check.error;
    return undefined;
  };

  const displayName = take('displayName', checkDisplayName(raw.displayName));
  const partnerId = take('partnerId', checkPartnerIdField(raw.partnerId));
  const contactEmail = take('contactEmail', checkEmail(raw.contactEmail));
  const accountId = take('accountId', checkPartnerAccountId(raw.accountId, ctx.enterpriseAccountId));
  const feeds = take('feeds', checkFeeds(raw.feeds, ctx.feeds));
  const notes = take('notes', checkNotes(raw.notes));
  const sshKeys = take('sshKeys', checkSshKeysField(raw.sshKeys, raw.accountId));

  if (
    displayName === undefined ||
    partnerId === undefined ||
    contactEmail === undefined ||
    sshKeys === undefined ||
    feeds === undefined ||
    Object.keys(errors).length > 0
  ) {
    return { ok: false, errors };
  }
  return {
    ok: true,
    value: {
      displayName,
      partnerId,
      contactEmail,
      sshKeys,
      ...(accountId !== undefined ? { accountId } : {}),
      feeds,
      ...(notes !== undefined ? { notes } : {}),
    },
  };
}

function checkPartnerIdField(raw: string | null | undefined): FieldCheck<string> {
  const id = (raw ?? '').trim();
  const problem = explainPartnerIdProblem(id);
  return problem === null ? valid(id) : invalid(problem);
}

/**
 * Keys are parsed whenever given. With none, the partner must have an AWS account to pull with:
 * an SFTP-only partner without a key could never log in. (Whether the account id itself is valid
 * is reported on its own field.)
 */
function checkSshKeysField(
  raw: string | null | undefined,
  rawAccountId: string | null | undefined,
): FieldCheck<ParsedKey[]> {
  const parsed = parseSshPublicKeys(raw ?? '');
  if ('error' in parsed) return invalid(parsed.error);
  if (parsed.keys.length === 0 && (rawAccountId ?? '').trim() === '') {
    return invalid(
      "Give at least one SSH public key (to fetch files by SFTP), or the partner's AWS account id (to pull from S3 through a role).",
    );
  }
  return valid(parsed.keys);
}
