/**
 * The Node.js the container image runs, and the Node.js the code supports. Node 20 reached its end
 * of life in April 2026 and AWS SDK for JavaScript releases from January 2027 need Node 22, so the
 * image runs Node 22 (issue #15); the code keeps running, and CI here keeps testing it, on Node 20.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const IMAGE = 'node:22-bookworm-slim';

describe('the container image', () => {
  it(`when the Dockerfile is built, then every stage starts from ${IMAGE}`, () => {
    const stages = [...read('Dockerfile').matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]);
    expect(stages).toHaveLength(2);
    expect(stages).toEqual([IMAGE, IMAGE]);
  });

  it('when the image runs a supported Node, then the SDK\'s end-of-support warning is not silenced in it', () => {
    expect(read('Dockerfile')).not.toMatch(/AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED/);
  });

  it('when the image runs `partnergate --version`, then package.json sits beside dist/ as src/cli.ts expects (../package.json)', () => {
    const runtime = read('Dockerfile').split(/^FROM\s/m).at(-1)!;
    expect(runtime).toMatch(/^WORKDIR \/app$/m);
    expect(runtime).toMatch(/^COPY --from=build \/app\/dist \.\/dist$/m);
    expect(runtime).toMatch(/^COPY package\.json \.\/$/m);
    expect(read('src/cli.ts')).toContain("new URL('../package.json', import.meta.url)");
  });

  it('when the package is installed elsewhere, then it still accepts Node 20.11 and later, which CI here runs', () => {
    const { engines } = JSON.parse(read('package.json')) as { engines: { node: string } };
    expect(engines.node).toBe('>=20.11');
  });
});
