/**
 * CSV for the compliance team's exports (`partnergate pickups`, `partnergate reviews`). Pure.
 *
 * Every cell is quoted as RFC 4180 says when it must be, and a cell that a spreadsheet would run as
 * a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) is prefixed with `'`
 * (OWASP, CSV injection): file names, reasons, owners and sessions come from outside.
 */

const FORMULA = /^[=+\-@\t\r]/;

/** One CSV cell: neutralised when a spreadsheet would read it as a formula, quoted when it must be. */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
  if (FORMULA.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The CSV text of `rows` (the header first), each line ended by CRLF. */
export const csvLines = (rows: readonly (readonly unknown[])[]): string => rows.map((cells) => `${cells.map(csvCell).join(',')}\r\n`).join('');

/** Readers of an audit record's details, whose values come from JSON: a wrong type is an empty cell. */
export const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
export const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
