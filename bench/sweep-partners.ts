/** The partners of the sweep benchmarks (bench/sweep-scale.ts in process, bench/sweep-worker.ts against the real worker). */
import type { PartnerRecord } from '../src/domain/partner.js';
import { ed25519PublicKey } from '../tools/local/ssh-keys.js';

/** IAM's role quota at its highest: at most this many partners have an AWS account (a role). */
export const ROLE_QUOTA = 5_000;

/** The partners: ids p00001…, LIVE, verified two days ago, one SSH key each, every other one with an AWS account (at most ROLE_QUOTA). */
export function partnersOf(n: number): PartnerRecord[] {
  const at = new Date(Date.now() - 2 * 86_400_000).toISOString();
  let roles = 0;
  return Array.from({ length: n }, (_, i) => {
    const withRole = i % 2 === 0 && roles < ROLE_QUOTA;
    if (withRole) roles += 1;
    return {
      partnerId: `p${String(i + 1).padStart(5, '0')}`, requestId: `req-${i + 1}`, displayName: `Partner ${i + 1}`, contactEmail: `ops${i + 1}@partner.example`,
      accountId: withRole ? String(200_000_000_000 + i) : null, externalId: `ext-${i + 1}-`.padEnd(43, 'x'), feeds: ['price-lists'],
      sshKeys: [ed25519PublicKey(`partner${i + 1}@example`)], status: 'live', steps: [], threadRef: `card:req-${i + 1}`, channel: 'C0APPROVALS',
      approvedBy: 'U0APPROVER', provisionedAt: at, verifiedAt: at, transferUserCreatedAt: at, dryRun: false, updatedAt: at,
    } satisfies PartnerRecord;
  });
}
