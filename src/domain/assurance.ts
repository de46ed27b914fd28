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

/**
 * Whose home a partner's probes must find closed besides the stand-ins: another live partner's, the
 * next id after its own in the registry's order (wrapping round), so that the same pair is probed
 * every time and every live home is some partner's neighbour. Null when no other partner is live.
 * `sortedLiveIds`: the live ids in ascending order (`.sort()`), read once for a whole tick; a
 * binary search, O(log n) a partner.
 */
export function neighbourOf(partnerId: string, sortedLiveIds: readonly string[]): string | null {
  let lo = 0;
  let hi = sortedLiveIds.length;
  // The first id after the partner's own.
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sortedLiveIds[mid]! <= partnerId) lo = mid + 1;
    else hi = mid;
  }
  const first = sortedLiveIds[0];
  return sortedLiveIds[lo] ?? (first !== undefined && first !== partnerId ? first : null);
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
