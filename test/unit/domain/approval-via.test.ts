import { describe, expect, it } from 'vitest';
import { mayApproveVia, viaRefusal, type ApprovalSubject } from '../../../src/domain/approval.js';
import type { ChangeKind } from '../../../src/domain/requests.js';

/** Every kind of change: a kind added to ChangeSpec does not compile here until it is listed. */
const CHANGE_KINDS: Record<ChangeKind, true> = { offboard: true, 'ssh-keys': true, 'external-id': true, edit: true, reapply: true };

describe('how an approval may be given (mayApproveVia)', () => {
  it('when an onboarding request is approved by button or by the approval reaction, then both may approve it', () => {
    expect(mayApproveVia('onboarding', 'button')).toBe(true);
    expect(mayApproveVia('onboarding', 'reaction')).toBe(true);
    expect(viaRefusal('onboarding', 'approve', 'reaction')).toBeNull();
  });

  it.each(Object.keys(CHANGE_KINDS) as ChangeKind[])('when a %s change is approved by the reaction, then it is refused with button_required; the button approves it', (kind) => {
    const subject: ApprovalSubject = kind;
    expect(mayApproveVia(subject, 'reaction')).toBe(false);
    expect(viaRefusal(subject, 'approve', 'reaction')).toBe('button_required');
    expect(viaRefusal(subject, 'approve', 'button')).toBeNull();
  });

  it('when a change is rejected, then the way it came does not matter (only approving is limited)', () => {
    expect(viaRefusal('offboard', 'reject', 'reaction')).toBeNull();
  });
});
