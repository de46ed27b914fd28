/**
 * Properties of every message we build: no `<…>` sequence — `<!channel>`, `<@U…>`, `<#C…>`,
 * `<https://…|label>` — comes from outside text. Each builder of MESSAGE_BUILDERS is called with an
 * arbitrary string in every outside field, and with a benign one; the builder's own sequences
 * (mentions of the fixed Slack ids, dates) are the same in both, so any `<` or `>` beyond them
 * came from the input. The fixed ids are mentions of people, a channel and a user group.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MESSAGE_BUILDERS, renderedStrings } from '../../support/message-builders.js';

const BENIGN = 'benign';

/** Strings rich in what Slack parses, with unicode and the odd entity, and plain arbitrary ones. */
const outside = fc.oneof(
  fc.string({ unit: fc.constantFrom('<', '>', '&', '|', '!', '@', '#', '^', ':', '/', 'h', 't', 'p', 's', 'U', 'C', '1', ' ', '`', '*', '\n', 'é', '😀', '\u202e'), maxLength: 40 }),
  fc.array(fc.constantFrom('<!channel>', '<!here|x>', '<@U123>', '<#C123>', '<https://evil.example|Re-approve here>', '<!date^1^{date}|x>', '&lt;', '&amp;', '<', '>', 'acme', '`'), { maxLength: 5 }).map((p) => p.join('')),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

const rendered = (build: (x: string) => unknown, x: string) => renderedStrings(build(x)).join('\u0000');
const sequences = (text: string) => text.match(/<[^<>]*>/g) ?? [];
const count = (text: string, c: string) => text.split(c).length - 1;

describe('properties: outside text in Slack messages', () => {
  it('when any builder is given any outside text, then the message has exactly the <…> sequences it has for benign text, and no stray < or >', () => {
    const builders = Object.entries(MESSAGE_BUILDERS);
    const baseline = new Map(builders.map(([name, build]) => [name, rendered(build, BENIGN)]));
    fc.assert(
      fc.property(outside, (x) => {
        for (const [name, build] of builders) {
          const benign = baseline.get(name)!;
          const text = rendered(build, x);
          expect(sequences(text), name).toEqual(sequences(benign));
          expect([count(text, '<'), count(text, '>')], name).toEqual([count(benign, '<'), count(benign, '>')]);
          expect(text.replace(/<@U[A-Z0-9]+>|<#C[A-Z0-9]+>|<!subteam\^S[A-Z0-9]+>|<!date\^\d+\^\{date_short_pretty\} \{time\}\|[^<>]*>/g, ''), name).not.toMatch(/<[!@#]|<http/);
        }
      }),
      { seed: 15_003, numRuns: 200 },
    );
  });
});
