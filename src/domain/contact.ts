import { z } from 'zod';
import { invalid, valid, type FieldCheck } from './field-check.js';
import { charCount } from './text.js';

/** RFC 5321: a path is at most 256 octets with its angle brackets, so an address at most 254. */
export const MAX_EMAIL_CHARS = 254;
export const MAX_EMAIL_LOCAL_PART_CHARS = 64;
export const MAX_DISPLAY_NAME_CHARS = 80;
export const MAX_NOTES_CHARS = 2000;

const emailSchema = z.email();
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// eslint-disable-next-line no-control-regex
const CONTROL_BUT_LINE_BREAKS_AND_TABS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
/** Bidi embeddings, overrides and isolates: text that lies about its own order. */
const BIDI_CONTROL = /[\u202a-\u202e\u2066-\u2069]/;
const LINE_SEPARATOR = /[\u2028\u2029]/;

/** A contact address: trimmed, a plain `local@domain.tld` (no quoted local parts or IP literals). */
export function checkEmail(raw: string | null | undefined): FieldCheck<string> {
  const email = (raw ?? '').trim();
  if (email === '') return invalid('Contact e-mail is required.');
  if (email.length > MAX_EMAIL_CHARS) {
    return invalid(`That e-mail address is too long (${email.length} characters; at most ${MAX_EMAIL_CHARS}).`);
  }
  const at = email.lastIndexOf('@');
  if (at > MAX_EMAIL_LOCAL_PART_CHARS) {
    return invalid(`The part before "@" is too long (at most ${MAX_EMAIL_LOCAL_PART_CHARS} characters).`);
  }
  if (!emailSchema.safeParse(email).success) {
    return invalid('Enter a valid e-mail address, such as name@example.com.');
  }
  return valid(email);
}

/** A display name: trimmed, 1–80 characters, no control or bidi-override characters. */
export function checkDisplayName(raw: string | null | undefined): FieldCheck<string> {
  const name = (raw ?? '').trim().normalize('NFC');
  if (name === '') return invalid('Display name is required.');
  const length = charCount(name);
  if (length > MAX_DISPLAY_NAME_CHARS) {
    return invalid(`Display name is too long (${length} characters; at most ${MAX_DISPLAY_NAME_CHARS}).`);
  }
  if (CONTROL.test(name) || BIDI_CONTROL.test(name) || LINE_SEPARATOR.test(name)) {
    return invalid('Display name must not contain control characters, line breaks or text-direction overrides.');
  }
  return valid(name);
}

/** Optional free-text notes: trimmed, at most 2,000 characters; line breaks and tabs allowed. */
export function checkNotes(raw: string | null | undefined): FieldCheck<string | undefined> {
  const notes = (raw ?? '').trim();
  if (notes === '') return valid(undefined);
  const length = charCount(notes);
  if (length > MAX_NOTES_CHARS) {
    return invalid(`Notes are too long (${length} characters; at most ${MAX_NOTES_CHARS}).`);
  }
  if (CONTROL_BUT_LINE_BREAKS_AND_TABS.test(notes) || BIDI_CONTROL.test(notes)) {
    return invalid('Notes must not contain control characters or text-direction overrides.');
  }
  return valid(notes);
}
