import { describe, expect, it } from 'vitest';
import { integrityAlertText, integrityRefusalText } from '../../../src/bot/messages/integrity.js';

describe('integrity alert', () => {
  it('when an item fails its seal check, then the alert names it, says why, who refused and what to do', () => {
    const text = integrityAlertText({
      noun: 'request', id: 'req_aaaaaaaaaaaaaaaaaaaaaaaaaa', partnerId: 'acme', stage: 'provision', unsealed: false,
      problem: "the request's content does not match its seal (changed in Redis after it was submitted)",
    });
    expect(text).toBe(
      ':rotating_light: Integrity check failed for request `req_aaaaaaaaaaaaaaaaaaaaaaaaaa` (partner `acme`): the request\'s content does not match its seal ' +
        '(changed in Redis after it was submitted). Provisioning refused it; nothing was done on AWS. Someone who can write to Redis changed it ' +
        '(or the approval signing key was changed while it waited): find out who can reach Redis (docs/security.md "Redis"), then ask for it again.',
    );
  });

  it('when the record’s own id or partner id carry mentions or formatting (they come from the record that failed), then they are escaped inside code', () => {
    const text = integrityAlertText({ noun: 'change', id: 'chg_`<!channel>', partnerId: '<@U0ADMIN>*x*', stage: 'decide', problem: 'p', unsealed: true });
    expect(text).not.toMatch(/<!channel>|<@U0ADMIN>/);
    expect(text).toContain("`chg_'&lt;!channel&gt;`");
    expect(text).toContain('README "Upgrading to sealed approvals"');
  });

  it('when an approval is refused for its seal, then the person is told nothing was approved', () => {
    expect(integrityRefusalText('change')).toMatch(/^This change does not match what was submitted .* Nothing was approved/);
  });
});
