import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderPartner } from '../../../../src/aws/policies/index.js';
import { isPartnerId } from '../../../../src/domain/partner-id.js';
import { IamEngine } from '../../../../tools/isolation/iam-engine.js';
import { buildScenario, describeDifference, runIsolationMatrix } from '../../../../tools/isolation/iam-matrix.js';
import { allStrings, partnerSpec, testPlatform } from '../../../support/iam-fixtures.js';

const platform = testPlatform();
const engine = new IamEngine();

/** Any id the validator accepts (3–32 of a-z, 0-9, "-", not starting or ending with "-"). */
const partnerId = fc.stringMatching(/^[a-z0-9][a-z0-9-]{1,30}[a-z0-9]$/).filter(isPartnerId);

/** Two different ids, often one a prefix of the other (acme, acme-corp). */
const twoIds = fc.oneof(
  fc.tuple(partnerId, partnerId),
  fc.tuple(partnerId, fc.stringMatching(/^[a-z0-9-]{0,8}[a-z0-9]$/)).map(([a, tail]) => [a, `${a}${tail}`.slice(0, 32)] as [string, string]),
).filter(([a, b]) => a !== b && isPartnerId(a) && isPartnerId(b));

describe('partner ids in documents', () => {
  it('when any accepted id is rendered, then no wildcard or variable character comes from it', () => {
    fc.assert(
      fc.property(partnerId, (id) => {
        const r = renderPartner(platform, partnerSpec(id, '444455556666'));
        const strings = allStrings([r.transferUser, r.partnerRole, r.partnerSidePolicy]);
        for (const s of strings) {
          expect(s).not.toContain('${');
          expect(s).not.toMatch(/[?{}]/);
          // The only wildcard in a partner's documents is the one after its own prefix's slash.
          for (let i = s.indexOf('*'); i >= 0; i = s.indexOf('*', i + 1)) {
            expect(s.slice(0, i).endsWith(`partners/${id}/`)).toBe(true);
          }
          // The id always appears as a whole path segment: followed by "/" or at the end.
          if (s.includes(`partners/${id}`)) expect(s).toMatch(new RegExp(`partners/${id}(/|$)`));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('when two different accepted ids are rendered, then neither reaches the other, and each reaches its own', async () => {
    await fc.assert(
      fc.asyncProperty(twoIds, fc.boolean(), async ([a, b], bHasAccount) => {
        const s = buildScenario(platform, [partnerSpec(a, '400000000001'), partnerSpec(b, bHasAccount ? '400000000002' : undefined)]);
        const report = await runIsolationMatrix(s, { engine });
        expect(report.differing.map(describeDifference)).toEqual([]);
        const own = report.results.filter((c) => c.expected === 'allow' && c.category === 'own prefix');
        expect(own.length).toBeGreaterThan(0);
        expect(own.every((c) => c.decision === 'Allowed')).toBe(true);
      }),
      { numRuns: 25 },
    );
  });
});
