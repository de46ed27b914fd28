/** Length in code points, so an emoji counts as one character, as people count them. */
export function charCount(text: string): number {
  let n = 0;
  for (const _ of text) n += 1;
  return n;
}

/** A short, printable-ASCII excerpt of user input, safe to quote in a message or a log line. */
export function excerpt(text: string, max = 40): string {
  const clean = text.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}
