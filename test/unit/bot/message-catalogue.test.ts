/**
 * Every message builder (test/support/message-builders.ts), checked for what a reader needs rather
 * than against a snapshot: it fits Slack's limits whatever the outside text; its first line (the
 * notification, the fallback) states something, not a code or a blank; and no error code of ours
 * and no setting's name reaches the words a person reads — codes stay in the logs and the audit
 * trail, settings in the operators' docs (issue 19).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/domain/errors.js';
import { MESSAGE_BUILDERS, renderedStrings } from '../../support/message-builders.js';

/** Longer than any outside field we accept but object keys (1,024 bytes) and AWS's messages. */
const LONG = 'x'.repeat(300);

/** The settings an operator writes in .env: none of them is a word a Slack reader should need. */
const SETTINGS = [...readFileSync(new URL('../../../.env.example', import.meta.url), 'utf8').matchAll(/^#? ?([A-Z][A-Z0-9_]{2,})=/gm)].map((m) => m[1]!);
/** Our error codes written as codes (SOURCE_MISSING, not_live): a reader gets their words instead. */
const CODES = Object.values(ErrorCode).filter((c) => /_/.test(c));

interface Built {
  text?: unknown;
  blocks?: unknown[];
  type?: unknown;
}

/** The messages a builder returned: one, several (a card and its thread), or a line of text. */
function messagesOf(value: unknown): Built[] {
  if (Array.isArray(value)) return value.flatMap(messagesOf);
  if (value && typeof value === 'object' && ('blocks' in value || 'text' in value)) return [value as Built];
  return [];
}

/** Slack's limit for a text: a header's 150 characters, a button's label 75, any other 3,000. */
const LIMITS: Record<string, number> = { header: 150, button: 75 };

/** Every text in blocks with the limit Slack sets for it. */
function texts(node: unknown, limit = 3_000): Array<{ limit: number; text: string }> {
  if (Array.isArray(node)) return node.flatMap((n) => texts(n));
  if (!node || typeof node !== 'object') return [];
  const o = node as Record<string, unknown>;
  if ((o['type'] === 'mrkdwn' || o['type'] === 'plain_text') && typeof o['text'] === 'string') return [{ limit, text: o['text'] as string }];
  const own = LIMITS[String(o['type'])];
  return Object.entries(o).flatMap(([k, v]) => texts(v, own !== undefined && k === 'text' ? own : 3_000));
}

const builders = Object.entries(MESSAGE_BUILDERS);

describe('every message builder', () => {
  it.each(builders)('%s: within Slack\'s limits, even with long outside text', (_name, build) => {
    for (const input of ['acme', LONG]) {
      for (const m of messagesOf(build(input))) {
        const isView = m.type === 'modal' || m.type === 'home';
        expect(m.blocks?.length ?? 0).toBeLessThanOrEqual(isView ? 100 : 50);
        if (typeof m.text === 'string') expect(m.text.length).toBeLessThanOrEqual(40_000);
        for (const t of texts(m.blocks ?? [])) expect(t.text.length, t.text.slice(0, 80)).toBeLessThanOrEqual(t.limit);
      }
    }
  });

  it.each(builders)('%s: the first line says something a reader can read', (_name, build) => {
    for (const m of messagesOf(build('acme'))) {
      if (typeof m.text !== 'string') continue;
      const first = m.text.split('\n')[0]!.trim();
      expect(first.length).toBeGreaterThan(10);
      expect(first).not.toMatch(/^[`*•>-]|^[A-Z][A-Z0-9]*_[A-Z0-9_]+\b|^Error\b/);
    }
  });

  it.each(builders)('%s: names no error code and no setting', (_name, build) => {
    const words = renderedStrings(build('acme')).join('\n');
    for (const code of CODES) expect(words, code).not.toMatch(new RegExp(`\\b${code}\\b`));
    for (const setting of SETTINGS) expect(words, setting).not.toMatch(new RegExp(`\\b${setting}\\b`));
  });
});
