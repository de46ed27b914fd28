/** Text from users goes into mrkdwn escaped: no mentions, links or formatting injected. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Inline code that cannot be broken out of. */
export function code(text: string): string {
  return '`' + escapeMrkdwn(text).replace(/`/g, "'") + '`';
}

export const user = (id: string): string => `<@${id}>`;

/** Slack's date formatting, with a plain fallback for clients that cannot render it. */
export function when(iso: string): string {
  const seconds = Math.floor(Date.parse(iso) / 1000);
  return `<!date^${seconds}^{date_short_pretty} {time}|${iso}>`;
}

/** Slack's limits: 3,000 characters of text in a section, 50 blocks a message. */
export const SECTION_LIMIT = 3000;
export const BLOCK_LIMIT = 50;

/** Splits lines into chunks of at most `limit` characters without breaking a line (unless it alone is too long). */
export function chunkLines(lines: string[], limit = SECTION_LIMIT): string[] {
  const chunks: string[] = [];
  let current = '';
  for (const raw of lines) {
    const line = raw.length > limit ? raw.slice(0, limit - 1) + '…' : raw;
    const next = current === '' ? line : `${current}\n${line}`;
    if (next.length > limit) {
      chunks.push(current);
      current = line;
    } else {
      current = next;
    }
  }
  if (current !== '') chunks.push(current);
  return chunks;
}
