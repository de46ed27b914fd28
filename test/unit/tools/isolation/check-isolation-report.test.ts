import { describe, expect, it } from 'vitest';
import { printJson, printTable } from '../../../../tools/isolation/check-isolation-report.js';
import { IamEngine } from '../../../../tools/isolation/iam-engine.js';
import { buildScenario, NOT_MODELLED, runIsolationMatrix, scenarioSpecs } from '../../../../tools/isolation/iam-matrix.js';
import { externalIdFor, testPlatform } from '../../../support/iam-fixtures.js';

async function brokenReport() {
  const s = buildScenario(testPlatform(), scenarioSpecs(5, externalIdFor));
  const trust = s.partners.find((p) => p.partnerId === 'acme')!.partnerRole!.trustPolicy;
  delete trust.Statement[0]!.Condition;
  return runIsolationMatrix(s, { engine: new IamEngine() });
}

describe('check-isolation output', () => {
  it('when cells differ, then the table names every one of them and what the engine does not model', async () => {
    const report = await brokenReport();
    let text = '';
    printTable(report, (s) => (text += s), { verbose: false, workers: 1 });
    expect(text).toMatch(/isolation matrix: 5 partners, \d+ cells/);
    expect(text).toMatch(/partner account admin \(\d\) +own role +\d+ +\d+ +\d+ +2 DIFFER/);
    expect(text).toContain(`FAILED: ${report.differing.length} cells differ`);
    expect(text).toContain('acme account admin: AssumeRole partnergate-partner-acme without an ExternalId');
    for (const note of NOT_MODELLED) expect(text).toContain(note);
    // The single-change cases, each with what still holds or what catches it.
    expect(text).toMatch(/single changes to one partner's access \(17 cases: 16 still held by a remaining layer, 1 caught by events instead\)/);
    expect(text).toContain('ok      [partner role] AmazonS3ReadOnlyAccess attached to partnergate-partner-acme');
    expect(text).toMatch(/held by the permissions boundary and the bucket policy \(\d+ cells: as expected\)/);
    expect(text).toMatch(/\[a neighbour's partner role\] [^\n]+\n +NOT held — AWS gives no second layer: the trust policy alone decides/);
    expect(text).toMatch(/held by the user's LOGICAL home mapping \(\d+ cells, \d+ SFTP paths through the home mapping: as expected\)/);
    expect(text).toContain('caught and contained: test/integration/lifecycle/attached-policy-event.test.ts');
  });

  it('when an SFTP path lands where its case says it must not, then the run fails naming the path', async () => {
    const s = buildScenario(testPlatform(), scenarioSpecs(5, externalIdFor));
    const report = await runIsolationMatrix(s, { engine: new IamEngine() });
    const c = report.mutations!.cases.find((x) => x.id === 'session policy removed')!;
    const broken = { ...report, mutations: { ...report.mutations!, cases: [{ ...c, ok: false, pathFailures: [{ mutation: c.id, victim: 'globex', path: '/../globex/prices.csv', kind: 'file' as const, reached: { key: 'partners/globex/prices.csv' }, expectConfined: true, ok: false }] }] }, failures: 1 };
    let text = '';
    printTable(broken, (x) => (text += x), { verbose: false, workers: 1 });
    expect(text).toContain('DIFFER  [Transfer user]');
    expect(text).toContain('FAILED: 0 cells differ, 1 SFTP path lands where the case says it must not:');
    expect(text).toContain('[session policy removed] SFTP file /../globex/prices.csv → key partners/globex/prices.csv: expected to stay out of partners/globex/');
  });

  it('when --json is asked for, then every cell is in the JSON with its decision', async () => {
    const report = await brokenReport();
    let text = '';
    printJson(report, (s) => (text += s));
    const json = JSON.parse(text);
    expect(json.ok).toBe(false);
    expect(json.matrix).toHaveLength(report.results.length);
    expect(json.differing).toHaveLength(2);
    expect(json.mutations.cases).toHaveLength(17);
    expect(json.mutations.cases[0]).toEqual(expect.objectContaining({ id: 'attach AmazonS3ReadOnlyAccess', holds: ['the permissions boundary', 'the bucket policy'], ok: true }));
    expect(json.matrix[0]).toEqual(expect.objectContaining({ principal: 'acme SFTP session', expected: 'allow', decision: 'Allowed', ok: true }));
  });
});
