/**
 * .github/workflows/image.yml: the image is built from this repository's Dockerfile after the tests,
 * tagged with package.json's version (a release tag must say the same), checked to print that version,
 * and pushed to ECR under it, with no AWS keys stored. The version step's shell is run here as written.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const workflow = () => parse(read('.github/workflows/image.yml')) as Record<string, any>;
const VERSION = (JSON.parse(read('package.json')) as { version: string }).version;
type Step = { name?: string; id?: string; uses?: string; run?: string; env?: Record<string, string> };
const steps = (): Step[] => workflow()['jobs']['image']['steps'];

/** The version step's script under the given ref, as the runner runs it (bash, GITHUB_OUTPUT a file). */
async function versionStep(refType: string, refName: string): Promise<{ code: number; output: string; stderr: string }> {
  const script = steps().find((s) => s.id === 'version')!.run!;
  const dir = mkdtempSync(join(tmpdir(), 'pg-wf-'));
  const out = join(dir, 'output');
  try {
    const { stderr } = await promisify(execFile)('bash', ['-e', '-c', `: > "$GITHUB_OUTPUT"\n${script}`], {
      cwd: new URL('../../', import.meta.url).pathname,
      env: { PATH: process.env.PATH, GITHUB_REF_TYPE: refType, GITHUB_REF_NAME: refName, GITHUB_OUTPUT: out },
    });
    return { code: 0, output: readFileSync(out, 'utf8'), stderr };
  } catch (err) {
    const e = err as { code: number; stderr: string };
    return { code: e.code, output: readFileSync(out, 'utf8'), stderr: e.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the image workflow', () => {
  it('when a tag v<version> is pushed, then the version step gives package.json\'s version', async () => {
    expect(workflow()['on']['push']['tags']).toEqual(['v*']);
    const r = await versionStep('tag', `v${VERSION}`);
    expect(r.code).toBe(0);
    expect(r.output).toBe(`version=${VERSION}\n`);
  });

  it('when the tag names another version, then the run stops before anything is built', async () => {
    const r = await versionStep('tag', 'v99.0.0');
    expect(r.code).toBe(1);
    expect(r.output).toBe('');
    expect(r.stderr).toContain(`the tag v99.0.0 is not v${VERSION}, package.json's version`);
    const order = steps().map((s) => s.id ?? s.name);
    expect(order.indexOf('version')).toBeLessThan(order.indexOf('Build'));
  });

  it('when run by hand (not a tag), then the version is package.json\'s', async () => {
    expect((await versionStep('branch', 'main')).output).toBe(`version=${VERSION}\n`);
  });

  it('when the image is built, checked and pushed, then it is this Dockerfile\'s, after the tests, under one tag: the ECR repository and the version', () => {
    const wf = workflow();
    expect(wf['jobs']['image']['needs']).toBe('test');
    expect(wf['jobs']['test']['steps'].map((s: Step) => s.run).filter(Boolean)).toEqual(['bash .ci/run']);
    const byName = Object.fromEntries(steps().filter((s) => s.name).map((s) => [s.name!, s]));
    const image = '${{ steps.ecr.outputs.registry }}/${{ env.ECR_REPOSITORY }}:${{ steps.version.outputs.version }}';
    for (const name of ['Build', 'The image says its version', 'Push']) expect(byName[name]!.env!['IMAGE'], name).toBe(image);
    expect(wf['jobs']['image']['env']['ECR_REPOSITORY']).toBe('partnergate');
    expect(byName['Build']!.run).toMatch(/^docker build .*--tag "\$IMAGE" \.$/);
    expect(byName['The image says its version']!.run).toBe('test "$(docker run --rm "$IMAGE" --version)" = "${{ steps.version.outputs.version }}"');
    expect(byName['Push']!.run).toMatch(/^docker push "\$IMAGE"$/m);
    const order = steps().map((s) => s.name);
    expect(order.indexOf('The image says its version')).toBeLessThan(order.indexOf('Push'));
    // The image's entrypoint is the CLI, so `docker run IMAGE --version` is `partnergate --version`.
    expect(read('Dockerfile')).toMatch(/^ENTRYPOINT \["node", "bin\/partnergate\.js"\]$/m);
  });

  it('when AWS is reached, then it is with the run\'s OIDC token and a role, never stored keys', () => {
    const wf = workflow();
    expect(wf['permissions']).toEqual({ contents: 'read' });
    expect(wf['jobs']['image']['permissions']).toEqual({ contents: 'read', 'id-token': 'write' });
    const credentials = steps().find((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@'))!;
    expect(credentials).toBeDefined();
    expect(read('.github/workflows/image.yml')).not.toMatch(/aws-access-key-id|aws-secret-access-key|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY/);
  });
});
