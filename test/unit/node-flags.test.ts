import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NODE_FLAGS } from '../../src/node-flags.js';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

describe('the Node flags partnergate runs with (src/node-flags.ts)', () => {
  it('when started with npm start, then node gets exactly those flags before the launcher', () => {
    const start = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts['start'];
    expect(start).toBe(['node', ...NODE_FLAGS, 'bin/partnergate.js', 'start'].join(' '));
  });

  it('when run from the container image, then NODE_OPTIONS carries exactly those flags', () => {
    const options = read('Dockerfile').match(/^ENV .*\bNODE_OPTIONS=(\S+|"[^"]*")/m)?.[1];
    expect(options?.replace(/^"|"$/g, '').split(' ')).toEqual([...NODE_FLAGS]);
  });

  it('when Node reads the heap limit, then it is a number of MiB a worker can live in', () => {
    const limit = Number(NODE_FLAGS.find((f) => f.startsWith('--max-old-space-size='))?.split('=')[1]);
    expect(limit).toBeGreaterThanOrEqual(256);
  });
});
