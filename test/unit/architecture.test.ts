/**
 * The layout is enforced, not hoped for: dependency-cruiser with the rules of .dependency-cruiser.cjs
 * (`npm run layout`, part of `npm test`) refuses a wrong arrow and a reach past a capability's
 * index.ts. The fixture tree under test/fixtures/layout holds one of each.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const depcruise = join(root, 'node_modules/.bin/depcruise');

async function violations(cwd: string): Promise<string[]> {
  const args = ['--config', join(root, '.dependency-cruiser.cjs'), '--output-type', 'json', 'src'];
  const { stdout } = await promisify(execFile)(depcruise, args, { cwd, maxBuffer: 64 * 1024 * 1024 }).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }));
  const result = JSON.parse(stdout) as { summary: { violations: { rule: { name: string }; from: string; to: string }[] } };
  return result.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);
}

describe('layout', () => {
  it('when a domain rule imports a job and the bot reaches past an index.ts, then both are refused', async () => {
    expect((await violations(join(root, 'test/fixtures/layout'))).sort()).toEqual([
      'domain-is-pure: src/domain/wrong-arrow.ts → src/jobs/notify/notify.ts',
      'outside-through-index: src/bot/past-index.ts → src/actions/onboarding/internal.ts',
      'outside-through-index: src/domain/wrong-arrow.ts → src/jobs/notify/notify.ts',
    ]);
  }, 60_000);
});
