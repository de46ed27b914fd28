import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { channel, chunkLines, code, composed, joinMrkdwn, Mrkdwn, mrkdwn, plainText, user, when, withMentions } from '../../../src/bot/messages/mrkdwn.js';

describe('the escaping rule (mrkdwn)', () => {
  it('when strings are put into the mrkdwn template, then they are escaped; mrkdwn pieces and numbers are kept', () => {
    const m = mrkdwn`*${'<!channel> & co'}* ${code('a<b')} ${user('U1')} ${3}`;
    expect(m.toString()).toBe('*&lt;!channel&gt; &amp; co* `a&lt;b` <@U1> 3');
  });

  it('when pieces are joined, then strings among them are escaped and the separator is kept', () => {
    expect(joinMrkdwn(['<a>', code('b'), 2], ', ').toString()).toBe('&lt;a&gt;, `b`, 2');
  });

  it('when a Slack id is mentioned, then it is a mention; when it is not an id, then it is shown as code and mentions nobody', () => {
    expect(user('UAPPROVER2').toString()).toBe('<@UAPPROVER2>');
    expect(channel('C0APPROVALS').toString()).toBe('<#C0APPROVALS>');
    expect(user('U1> <!channel').toString()).toBe('`U1&gt; &lt;!channel`');
    expect(channel('<https://evil.example|x>').toString()).toBe('`&lt;https://evil.example|x&gt;`');
  });

  it('when a date is shown, then it is Slack date formatting with a fallback to the minute in UTC; an unparseable one is plain text', () => {
    expect(when('2024-06-01T10:00:00.000Z').toString()).toBe('<!date^1717236000^{date_short_pretty} {time}|2024-06-01 10:00 UTC>');
    expect(when('2024-06-01T10:00:59Z').toString()).toBe('<!date^1717236059^{date_short_pretty} {time}|2024-06-01 10:00 UTC>');
    expect(when('<!channel>').toString()).toBe('&lt;!channel&gt;');
  });

  it('when a reason of our own checks names a person, then the mention is kept and nothing else is live', () => {
    expect(withMentions('<@UAPPROVER1>, who approved it, is not an approver any more').toString()).toBe('<@UAPPROVER1>, who approved it, is not an approver any more');
    expect(withMentions('plan (<!channel> <https://evil.example|here> &lt;@U1&gt;)').toString()).toBe('plan (&lt;!channel&gt; &lt;https://evil.example|here&gt; &amp;lt;@U1&amp;gt;)');
  });

  it('when outside text goes into plain_text, then < and > become ‹ › and the rest is kept as typed', () => {
    expect(plainText('Smith & Sons <!channel>')).toBe('Smith & Sons ‹!channel›');
  });

  it('when mrkdwn lines are chunked, then the chunks are mrkdwn; strings stay strings', () => {
    expect(chunkLines([mrkdwn`a`, mrkdwn`b`], 3).every((c) => c instanceof Mrkdwn)).toBe(true);
    expect(chunkLines(['a', 'b'])).toEqual(['a\nb']);
  });

  it('when any text is mentioned, dated or coded, then no < of it survives but that of a real mention or date', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('<', '>', '&', '!', '@', '#', '|', 'U', '1', 'a', ' ', '`'), maxLength: 20 }), (x) => {
        const mention = user(x).toString();
        expect(mention === `<@${x}>` ? /^[A-Za-z0-9]+$/.test(x) : !mention.includes('<')).toBe(true);
        expect(when(x).toString().replace(/^<!date\^-?\d+\^\{date_short_pretty\} \{time\}\|([^<>]*)>$/, '$1')).not.toMatch(/[<>]/);
        expect(code(x).toString()).not.toMatch(/[<>]/);
        expect(withMentions(x).toString().replace(/<@[A-Za-z0-9]+>/g, '')).not.toMatch(/[<>]/);
      }),
      { seed: 15_003, numRuns: 300 },
    );
  });
});

describe('answers composed by use cases', () => {
  it('when an answer quotes what was typed, then only its mentions of Slack ids and channels stay live; code spans stay as they are', () => {
    expect(composed('"<!channel>é" is not a partner id; see `a&lt;b` in <#C0APPROVALS>, <@U1>').toString())
      .toBe('"&lt;!channel&gt;é" is not a partner id; see `a&lt;b` in <#C0APPROVALS>, <@U1>');
  });

  it('when a refusal names a user group, then its mention stays live and nothing else that opens with <! does', () => {
    expect(composed('Ask <@U1> or <!subteam^S0PAY>; not <!here>, <!subteam^S1|x> or <!channel>').toString())
      .toBe('Ask <@U1> or <!subteam^S0PAY>; not &lt;!here&gt;, &lt;!subteam^S1|x&gt; or &lt;!channel&gt;');
  });

  it('when any text is composed, then nothing but a mention of an id, a channel or a user group opens with <', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('<', '>', '&', '!', '@', '#', '|', '^', 'subteam', 'h', 'U', '1', ' '), maxLength: 30 }), (x) => {
        expect(composed(x).toString().replace(/<[@#][A-Za-z0-9]+>|<!subteam\^[A-Za-z0-9]+>/g, '')).not.toMatch(/[<>]/);
      }),
      { seed: 15_003, numRuns: 300 },
    );
  });
});
