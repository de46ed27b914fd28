import { describe, expect, it } from 'vitest';
import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { createLogger } from '../../../src/logger.js';
import type { ReapplyInput } from '../../../src/actions/lifecycle/reapply-drift.js';
import type { BotDeps } from '../../../src/bot/deps.js';
import { reapplyValue } from '../../../src/bot/messages/drift.js';
import { reapplyButton } from '../../../src/bot/listeners/actions/reapply-button.js';
import { notifyRecorder } from '../../support/ports.js';

type Args = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;
const HASH = '0123456789abcdef'.repeat(4);

function click(value: string): Args {
  return {
    ack: async () => undefined,
    body: { user: { id: 'UAPPROVER1' }, channel: { id: 'C0APPROVALS' }, message: { ts: '1700000000.000100', thread_ts: '1700000000.000001' } },
    action: { type: 'button', action_id: 'drift_reapply', block_id: 'drift_reapply', value, action_ts: '1' },
  } as unknown as Args;
}

async function press(value: string) {
  const asked: ReapplyInput[] = [];
  const { notify, sent: notified } = notifyRecorder();
  const deps = {
    logger: createLogger('silent'),
    notify,
    requestReapply: async (input: ReapplyInput) => {
      asked.push(input);
      return { ok: false, message: 'refused' };
    },
  } as unknown as BotDeps;
  await reapplyButton(deps)(click(value));
  return { asked, notified };
}

describe('Re-apply button', () => {
  it('when pressed, then the use case gets the partner and the hash of the drift the report showed', async () => {
    expect((await press(reapplyValue('acme', HASH))).asked).toEqual([{ partnerId: 'acme', hash: HASH, actor: 'UAPPROVER1' }]);
  });

  it('when the value is forged or from an old report without a hash, then the use case gets nothing it could act on, and the presser is answered', async () => {
    for (const value of ['acme', `acme:${HASH}:extra`, `ACME:${HASH}`]) {
      const { asked, notified } = await press(value);
      expect(asked).toEqual([{ partnerId: '', hash: '', actor: 'UAPPROVER1' }]);
      expect(notified[0]).toMatchObject({ op: 'ephemeral', user: 'UAPPROVER1', text: 'refused' });
    }
  });
});
