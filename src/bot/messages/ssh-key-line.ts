/**
 * One SSH public key as an approver looks at it: type, SHA256 fingerprint (as `ssh-keygen -l`
 * prints it) and, when known, its comment — user text, so shown inert (code span, escaped) and
 * capped. Never the key material. The plan of an onboarding request and the key change card both
 * name keys this way. Pure.
 */
import { fingerprintOf } from '../../domain/key-ages.js';
import { excerpt } from '../../domain/text.js';
import { code, mrkdwn, type Mrkdwn } from './mrkdwn.js';

/** Characters of a key comment shown; the rest is cut with `…`. */
export const KEY_COMMENT_SHOWN = 64;

export function sshKeyLine(normalized: string, comment?: string): Mrkdwn {
  const type = normalized.split(' ')[0] || 'key';
  const key = mrkdwn`${code(type)} ${code(fingerprintOf(normalized) ?? 'unparseable key')}`;
  if (comment === undefined) return key;
  return comment.trim() === '' ? mrkdwn`${key} (no comment)` : mrkdwn`${key} ${code(excerpt(comment.trim(), KEY_COMMENT_SHOWN))}`;
}
