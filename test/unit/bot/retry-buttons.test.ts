import { describe, expect, it } from 'vitest';
import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { createLogger } from '../../../src/logger.js';
import type { NotifyMessage } from '../../../src/actions/ports.js';
import type { RetryResult } from '../../../src/actions/onboarding/retry-provisioning.js';
import { retryProvisionValue } from '../../../src/bot/messages/provision.js';
import { retryProvisionButton } from '../../../src/bot/listeners/actions/retry-provision.js';
import { retryVerifyButton } from '../../../src/bot/listeners/actions/retry-verify.js';

type Args = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

function click(value: string, events: string[]): Args {
  return {
    ack: async () => void events.push('ack'),
    body: { user: { id: 'UAPPROVER1' }, channel: { id: 'C0APPROVALS' }, message: { ts: '1700000000.000100' } },
    action: { type: 'button', action_id: 'x', block_id: 'b', value, action_ts: '1' },
  } as unknown as Args;
}

function deps(result: RetryResult, events: string[], notified: NotifyMessage[]) {
  return {
    logger: createLogger('silent'),
    notify: async (m: NotifyMessage | readonly NotifyMessage[]) => void notified.push(...[m].flat()),
    retryProvisioning: async (input: { requestId: string; step: string | undefined; actor: string }) => {
      events.push(`retry ${input.requestId} ${input.step} ${input.actor}`);
      return result;
    },
    retryVerification: async (input: { requestId: string; actor: string }) => {
      events.push(`verify ${input.requestId} ${input.actor}`);
      return result;
    },
  };
}

describe('Retry buttons', () => {
  it('when Retry is pressed, then the listener acks first and retries from the step in the button', async () => {
    const events: string[] = [];
    const notified: NotifyMessage[] = [];
    await retryProvisionButton(deps({ ok: true, attempt: 2 }, events, notified))(click(retryProvisionValue('req_a', 'ssh-keys'), events));
    expect(events).toEqual(['ack', 'retry req_a ssh-keys UAPPROVER1']);
    expect(notified).toEqual([]);
  });

  it('when the retry is refused, then the presser is told why, ephemerally, in the thread', async () => {
    const events: string[] = [];
    const notified: NotifyMessage[] = [];
    const refused: RetryResult = { ok: false, code: 'not_approver', message: 'Only approvers can retry provisioning.' };
    await retryProvisionButton(deps(refused, events, notified))(click('req_a:ssh-keys', events));
    expect(notified).toEqual([
      expect.objectContaining({ op: 'ephemeral', channel: 'C0APPROVALS', user: 'UAPPROVER1', text: refused.message, thread: { ts: '1700000000.000100' }, priority: 'interactive' }),
    ]);
  });

  it('when Retry verification is pressed, then the listener acks and retries the request in the button', async () => {
    const events: string[] = [];
    const notified: NotifyMessage[] = [];
    const refused: RetryResult = { ok: false, code: 'not_failed', message: 'acme is live; there is no failed verification to retry.' };
    await retryVerifyButton(deps(refused, events, notified))(click('req_b', events));
    expect(events).toEqual(['ack', 'verify req_b UAPPROVER1']);
    expect(notified[0]).toMatchObject({ op: 'ephemeral', text: refused.message });
  });
});
