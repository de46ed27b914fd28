/** CSV cells (src/domain/csv.ts): CSV injection neutralised, RFC 4180 quoting. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { csvCell } from '../../../src/domain/csv.js';

describe('csvCell', () => {
  it.each([
    ['=HYPERLINK("http://x")', `"'=HYPERLINK(""http://x"")"`],
    ['+1', "'+1"], ['-2+3', "'-2+3"], ['@SUM(A1)', "'@SUM(A1)"], ['\tx', "'\tx"], ['\rx', `"'\rx"`],
    ['a,b', '"a,b"'], ['line\nbreak', '"line\nbreak"'], ['plain', 'plain'], [12, '12'], [null, ''],
  ])('%j becomes %s', (value, cell) => {
    expect(csvCell(value)).toBe(cell);
  });

  it('never yields a cell a spreadsheet runs as a formula, whatever the text', () => {
    fc.assert(fc.property(fc.string(), (text) => {
      const cell = csvCell(text);
      const bare = cell.startsWith('"') ? cell.slice(1) : cell;
      expect(bare).not.toMatch(/^[=+\-@\t\r]/);
    }), { numRuns: 2000 });
  });
});
