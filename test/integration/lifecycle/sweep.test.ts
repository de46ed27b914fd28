/**
 * The lifecycle sweep on the real Redis and notify queue: a weekly reminder about keys older than
 * KEY_MAX_AGE_DAYS — once a week, however often the job runs.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { remindOldKeys, type SweepDeps } from '../../../src/jobs/lifecycle/lifecycle-sweep.js';
import { startLifecycleHarness, type LifecycleHarness } from '../../support/lifecycle-harness.js';

const HOUR = 3_600_000;
let t: LifecycleHarness;
let deps: SweepDeps;
beforeEach(async () => {
  t = await startLifecycleHarness();
  deps = { redis: t.h.redis, prefix: t.h.prefix, partners: t.h.partners, notify: t.h.notify, audit: t.audit.audit, clock: t.h.clock, keyMaxAgeDays: 365 };
});
afterEach(async () => {
  await t.close();
});

describe('lifecycle sweep', () => {
  it('when keys pass KEY_MAX_AGE_DAYS, then the partner thread gets one reminder a week', async () => {
    await t.livePartner({ partnerId: 'acme', sshKeys: 2 });
    expect(await remindOldKeys(deps)).toBe(0);
    t.h.clock.advance(366 * 24 * HOUR);
    expect(await remindOldKeys(deps)).toBe(1);
    expect(await remindOldKeys(deps)).toBe(0);
    const reminder = await t.h.slack.waitFor((c) => c.ok && String(c.body.text).startsWith(':warning: 2 SSH keys of `acme` are older than 365 days'));
    expect(String(reminder.body.text)).toContain('/partner-keys acme');
    t.h.clock.advance(7 * 24 * HOUR);
    expect(await remindOldKeys(deps)).toBe(1);
    expect((await t.audit.history('acme')).filter((r) => r.type === 'keys.reminded')).toHaveLength(2);
  });
});
