/** `partnergate reconcile` when Redis does not answer: one line saying so, exit 1, not a stack trace. */
import { describe, expect, it } from 'vitest';
import { runReconcile } from '../../../src/cli/reconcile.js';
import { testEnv } from '../../../tools/local/env.js';
import { capture } from '../../support/cli.js';

describe('partnergate reconcile without Redis', () => {
  it('when Redis does not answer, then it says so in one line and exits 1, with nothing read from AWS', async () => {
    // Port 1 on loopback: nothing listens there.
    const env = testEnv({ REDIS_URL: 'redis://127.0.0.1:1', DRY_RUN: 'false' });
    for (const argv of [[], ['--rebuild']]) {
      const result = await capture((out) => runReconcile(argv, env, out));
      expect(result).toEqual({ code: 1, out: '', err: 'partnergate reconcile: Redis (REDIS_URL) did not answer: the registry cannot be read\n' });
    }
  }, 20_000);
});
