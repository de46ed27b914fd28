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
 */
export function neighbourOf(partnerId: string, liveIds: readonly string[]): string | null {
  let next: string | null = null;
  let first: string | null = null;
  for (const id of liveIds) {
    if (id === partnerId) continue;
    if (first === null || id < first) first = id;
    if (id > partnerId && (next === null || id < next)) next = id;
  }
  return next ?? first;
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
