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
  });

  it('when --json is asked for, then every cell is in the JSON with its decision', async () => {
    const report = await brokenReport();
    let text = '';
    printJson(report, (s) => (text += s));
    const json = JSON.parse(text);
    expect(json.ok).toBe(false);
    expect(json.matrix).toHaveLength(report.results.length);
    expect(json.differing).toHaveLength(2);
    expect(json.matrix[0]).toEqual(expect.objectContaining({ principal: 'acme SFTP session', expected: 'allow', decision: 'Allowed', ok: true }));
  });
});
