/**
 * Which live partners have their isolation re-proven (the live probes, as at verification) on a
 * tick of the assurance job. Pure. Each tick takes the partners proven longest ago — never one
 * proven within the last tick — as many as spread every partner over the interval: with
 * ceil(partners × tick ÷ interval) a tick, the round goes through all of them within the interval,
 * and a partner that went live or failed meanwhile waits its turn by when it was last proven.
 */
export interface ProofState {
  partnerId: string;
  /** When its isolation was last proven (the last passing probes, or its verification): ISO, or '' for never. */
  provenAt: string;
}

export function dueForProof(partners: readonly ProofState[], o: { now: Date; intervalMs: number; tickMs: number }): string[] {
  const quota = Math.ceil((partners.length * o.tickMs) / o.intervalMs);
  const at = (p: ProofState) => (p.provenAt === '' ? 0 : Date.parse(p.provenAt) || 0);
  return partners
    .filter((p) => o.now.getTime() - at(p) >= o.tickMs)
    .sort((a, b) => at(a) - at(b) || (a.partnerId < b.partnerId ? -1 : 1))
    .slice(0, quota)
    .map((p) => p.partnerId);
}
