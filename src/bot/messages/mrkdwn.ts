/**
 * The one escaping rule for every string we send to Slack (docs/security.md "What the bot says in
 * Slack"). Slack acts on `&`, `<` and `>`: `<!channel>` pings everyone, `<@U…>` and `<#C…>` mention,
 * `<https://…|label>` shows a disguised link — in blocks and in the fallback `text` that
 * notifications and phones show alike. So text we did not write is escaped before it reaches either,
 * and messages are built with the `mrkdwn` tag, which escapes every string put into it. Only
 * `Mrkdwn` values pass unchanged, and only this module makes them: the tag, `joinMrkdwn`, `capped`,
 * `code`, and for the few `<…>` we mean, `user`, `channel` and `usergroup` (Slack ids only), `when`, and
 * `withMentions` / `composed` for text our checks and use cases wrote. A builder computes its values
 * once and builds its fallback text and its blocks from them, so the two cannot drift apart. Pure.
 */

/** Slack's three control characters, as its entities. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

let trusted: (text: string) => Mrkdwn;

/** mrkdwn safe to send as it is: escaped outside text, and our own syntax. */
export class Mrkdwn {
  readonly #text: string;
  static {
    trusted = (text) => new Mrkdwn(text);
  }
  private constructor(text: string) {
    this.#text = text;
  }
  toString(): string {
    return this.#text;
  }
}

/** A string (escaped here), a number, or mrkdwn made by this module (kept as it is). */
export type Piece = string | number | Mrkdwn;

const piece = (value: Piece): string => (value instanceof Mrkdwn ? value.toString() : escapeMrkdwn(String(value)));

/** The template is ours; every value put into it is escaped unless it is already `Mrkdwn`. */
export function mrkdwn(template: TemplateStringsArray, ...values: Piece[]): Mrkdwn {
  return trusted(template.reduce((out, part, i) => out + piece(values[i - 1]!) + part));
}

/** Pieces joined by a separator of ours (", ", "\n"). */
export const joinMrkdwn = (pieces: readonly Piece[], separator: string): Mrkdwn => trusted(pieces.map(piece).join(separator));

/** At most `max` characters (a cut cannot make a `<`; it can only leave one of ours unclosed). */
export const capped = (text: Piece, max: number): Mrkdwn => trusted(piece(text).slice(0, max));

/**
 * A reason written by our own checks (src/domain/approval.ts, src/actions/approval) that names a
 * person as `<@U…>` and may quote an error: escaped whole, then only mentions of Slack ids are let
 * back, so it can name one person but never ping a channel or show a link.
 */
export const withMentions = (ours: string): Mrkdwn => trusted(escapeMrkdwn(ours).replace(/&lt;@([A-Za-z0-9]+)&gt;/g, '<@$1>'));

/**
 * An answer or refusal a use case composed (src/actions: our words, outside text in `code`) that
 * may still quote what the person typed — the partner id checks do. Every `<` or `>` but those of a
 * mention of a Slack id, channel or user group (a refusal, and ./people.ts, name whom to ask:
 * src/domain/authorization.ts `peopleNamed`) is escaped; entities (`code`'s among them) are left as
 * they are. Answers are ephemeral: a mention the person typed themselves notifies nobody.
 */
export const composed = (answer: string): Mrkdwn =>
  trusted(answer.replace(/<[@#][A-Za-z0-9]+>|<!subteam\^[A-Za-z0-9]+>|[<>]/g, (m) => (m === '<' ? '&lt;' : m === '>' ? '&gt;' : m)));

/** Inline code that cannot be broken out of. */
export function code(text: string): Mrkdwn {
  return trusted('`' + escapeMrkdwn(text).replace(/`/g, "'") + '`');
}

/** Slack ids are letters and digits; anything else is not one and is shown as code, mentioning nobody. */
const SLACK_ID = /^[A-Za-z0-9]+$/;

export const user = (id: string): Mrkdwn => (SLACK_ID.test(id) ? trusted(`<@${id}>`) : code(id));

export const channel = (id: string): Mrkdwn => (SLACK_ID.test(id) ? trusted(`<#${id}>`) : code(id));

/** A Slack user group (`S…`), mentioned: its members are notified, as a person's mention notifies them. */
export const usergroup = (id: string): Mrkdwn => (SLACK_ID.test(id) ? trusted(`<!subteam^${id}>`) : code(id));
/** A link to a Slack message (https://slack.com/archives/C…/p…, which src/domain/home.ts builds); anything else is not linked. */
export const messageLinkTo = (url: string | null, label: string): Mrkdwn =>
  url !== null && /^https:\/\/slack\.com\/archives\/[A-Z0-9]+\/p\d+$/.test(url) ? trusted(`<${url}|${escapeMrkdwn(label).replace(/\|/g, '/')}>`) : mrkdwn``;

/**
 * Lines of outside text as a code block (```…```) of at most `max` characters: each line escaped
 * like any outside text (Slack still reads `<…>` and entities inside a code block) with its
 * backticks made `'` so nothing closes the block early, a line longer than `lineMax` cut with `…`,
 * and the lines that do not fit left out with a note saying how many.
 */
export function codeBlock(lines: readonly string[], max: number, lineMax = 240): Mrkdwn {
  const safe = lines.map((l) => escapeMrkdwn(l.length > lineMax ? `${l.slice(0, lineMax - 1)}…` : l).replace(/`/g, "'"));
  const note = (n: number) => (n === 0 ? '' : `\n… ${n} more line${n === 1 ? '' : 's'} not shown`);
  let kept = 0;
  let used = '```\n```'.length;
  for (const l of safe) {
    const room = kept + 1 === safe.length ? 0 : note(safe.length - kept - 1).length;
    if (used + l.length + 1 + room > max) break;
    used += l.length + 1;
    kept += 1;
  }
  return trusted(`\`\`\`\n${safe.slice(0, kept).map((l) => `${l}\n`).join('')}\`\`\`${note(safe.length - kept)}`);
}

/**
 * Lines as as many code blocks as they need, each at most `max` characters with its fences, so a
 * long document is shown whole (a modal's 3,000-character sections): escaped as `codeBlock` does,
 * no line left out (only a line longer than a whole block is cut, with …).
 */
export function codeBlocks(lines: readonly string[], max = SECTION_LIMIT): Mrkdwn[] {
  const fences = '```\n\n```'.length;
  const safe = lines.map((l) => escapeMrkdwn(l).replace(/`/g, "'"));
  return chunkLines(safe, max - fences).map((chunk) => trusted(`\`\`\`\n${chunk}\n\`\`\``));
}

/** A UTC timestamp as our clock and AWS write it (to the second or the millisecond). */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z$/;

/**
 * Slack's date formatting (each reader sees their own time zone), with a plain fallback to the minute
 * in UTC for clients that cannot render it ("2030-01-04 00:00 UTC"). A time can come
 * from outside (an AWS event's): anything that is not an ISO timestamp is shown as escaped text.
 */
export function when(iso: string): Mrkdwn {
  const seconds = Math.floor(Date.parse(iso) / 1000);
  if (!ISO_TIME.test(iso) || !Number.isFinite(seconds)) return mrkdwn`${iso}`;
  return trusted(`<!date^${seconds}^{date_short_pretty} {time}|${iso.slice(0, 16).replace('T', ' ')} UTC>`);
}

/**
 * Outside text for a `plain_text` object (a header, a button). Slack parses no mentions or links
 * there and shows the text as it is, so entities would show as `&lt;`; `<` and `>` become ‹ and › so
 * that no `<…>` from outside is in any field of a message, whatever a client makes of it.
 */
export const plainText = (text: string): string => text.replace(/</g, '‹').replace(/>/g, '›');

/** Slack's limits: 3,000 characters of text in a section, 50 blocks a message. */
export const SECTION_LIMIT = 3000;
export const BLOCK_LIMIT = 50;

/** Splits lines into chunks of at most `limit` characters without breaking a line (unless it alone is too long). */
export function chunkLines(lines: readonly Mrkdwn[], limit?: number): Mrkdwn[];
export function chunkLines(lines: readonly string[], limit?: number): string[];
export function chunkLines(lines: readonly (string | Mrkdwn)[], limit = SECTION_LIMIT): (string | Mrkdwn)[] {
  const chunks: string[] = [];
  let current = '';
  for (const line of lines.map(String)) {
    const cut = line.length > limit ? line.slice(0, limit - 1) + '…' : line;
    const next = current === '' ? cut : `${current}\n${cut}`;
    if (next.length > limit) {
      chunks.push(current);
      current = cut;
    } else {
      current = next;
    }
  }
  if (current !== '') chunks.push(current);
  // Chunks of mrkdwn are mrkdwn: a cut or a join adds no `<` of its own.
  return lines.some((l) => l instanceof Mrkdwn) ? chunks.map(trusted) : chunks;
}
