import { checkObjectKey, describeObjectKeyProblem, type ObjectKeyProblem } from './outbound-key.js';
import { checkPartnerId, homePrefix, HOMES_PREFIX, MAX_PARTNER_ID_LENGTH } from './partner-id.js';
import { excerpt } from './text.js';

/**
 * Where a file the pipeline drops goes (docs/architecture.md "Delivery"):
 *   <outbound>/<partner-id>/<path>   → partners/<partner-id>/<path>
 *   <outbound>/feeds/<feed>/<path>   → partners/<id>/feeds/<feed>/<path>, for every subscriber
 * Anything else is unroutable: reported once and left alone.
 */

export const FEEDS_SEGMENT = 'feeds';

export type RoutingConfig = {
  /** OUTBOUND_PREFIX, e.g. `outbound/`; a missing trailing slash is implied. */
  outboundPrefix: string;
  /** The configured feed names (FEEDS). */
  feeds: readonly string[];
};

export type UnroutableCode =
  | 'directory-placeholder'
  | 'outside-outbound-prefix'
  | 'bad-prefix'
  | 'bad-key'
  | 'no-folder'
  | 'unknown-feed'
  | 'bad-partner-id'
  | 'no-path'
  | 'feeds-in-partner-folder'
  | 'target-too-long';

export type Route =
  | { kind: 'partner'; partnerId: string; path: string; target: string }
  | { kind: 'feed'; feed: string; path: string }
  | { kind: 'unroutable'; code: UnroutableCode; reason: string };

/** A directory placeholder key ends in "/": there is no file to deliver, so callers ignore it. */
export function isDirectoryPlaceholder(key: string): boolean {
  return key.endsWith('/');
}

/** Pure and deterministic: the same key and configuration always give the same route. */
export function routeOutboundKey(key: string, config: RoutingConfig): Route {
  const prefix = normalizePrefix(config.outboundPrefix);
  if (prefix === '' || prefix.startsWith('partners/')) {
    // The delivery targets would be sources again: a copy loop. Configuration must prevent this.
    return unroutable('bad-prefix', `the outbound prefix "${prefix}" overlaps the partners/ homes`);
  }
  if (!key.startsWith(prefix)) return unroutable('outside-outbound-prefix', `not under ${prefix}`);
  if (isDirectoryPlaceholder(key)) return unroutable('directory-placeholder', 'a folder placeholder, not a file');
  const problem = checkObjectKey(key);
  if (problem) return badKey(problem);

  const rest = key.slice(prefix.length);
  const slash = rest.indexOf('/');
  if (slash < 0) {
    return unroutable('no-folder', `files go in ${prefix}<partner-id>/ or ${prefix}${FEEDS_SEGMENT}/<feed>/, not directly under ${prefix}`);
  }
  const folder = rest.slice(0, slash);
  const afterFolder = rest.slice(slash + 1);

  if (folder === FEEDS_SEGMENT) return routeFeed(afterFolder, config.feeds, prefix);

  if (checkPartnerId(folder) !== null) {
    return unroutable('bad-partner-id', `"${excerpt(folder)}" is not a valid partner id`);
  }
  if (afterFolder.split('/')[0] === FEEDS_SEGMENT) {
    return unroutable(
      'feeds-in-partner-folder',
      `${prefix}${folder}/${FEEDS_SEGMENT}/ would land among the partner's feed files; publish feeds under ${prefix}${FEEDS_SEGMENT}/<feed>/`,
    );
  }
  const target = homePrefix(folder) + afterFolder;
  const targetProblem = checkObjectKey(target);
  if (targetProblem) return targetTooLong(targetProblem);
  return { kind: 'partner', partnerId: folder, path: afterFolder, target };
}

export type DeliveryTarget = { targetKey: string; route: 'partner' | 'feed'; feed?: string };

/**
 * Where a source key lands for this partner, or null when it is not one of the partner's files:
 * its own folder, or a feed it subscribes to now. The one answer to "may this file reach this
 * partner's home?" — dispatch, backfill, re-send and the deliver job itself all ask it.
 */
export function deliveryTarget(partner: { partnerId: string; feeds: readonly string[] }, key: string, config: RoutingConfig): DeliveryTarget | null {
  const route = routeOutboundKey(key, config);
  if (route.kind === 'partner' && route.partnerId === partner.partnerId) return { targetKey: route.target, route: 'partner' };
  if (route.kind === 'feed' && partner.feeds.includes(route.feed)) {
    return { targetKey: feedTargetKey(partner.partnerId, route.feed, route.path), route: 'feed', feed: route.feed };
  }
  return null;
}

/**
 * The routing rule read backwards: the outbound key a partner's copy at `copyKey` is delivered
 * from, and the partner, or null when no rule leads there (the home marker leads to a key the
 * pipeline never writes, so callers also check the source exists). Checked forwards: the source
 * found must route to exactly this copy for that partner (with every configured feed counted).
 */
export function sourceOfCopy(copyKey: string, config: RoutingConfig): { partnerId: string; sourceKey: string } | null {
  if (!copyKey.startsWith(HOMES_PREFIX)) return null;
  const rest = copyKey.slice(HOMES_PREFIX.length);
  const slash = rest.indexOf('/');
  const partnerId = rest.slice(0, Math.max(slash, 0));
  const path = rest.slice(slash + 1);
  if (slash < 0 || path === '' || checkPartnerId(partnerId) !== null) return null;
  const prefix = normalizePrefix(config.outboundPrefix);
  const sourceKey = path.startsWith(`${FEEDS_SEGMENT}/`) ? `${prefix}${path}` : `${prefix}${partnerId}/${path}`;
  return deliveryTarget({ partnerId, feeds: config.feeds }, sourceKey, config)?.targetKey === copyKey ? { partnerId, sourceKey } : null;
}

/** `partners/<id>/feeds/<feed>/<path>`; throws on anything that is not a valid, contained key. */
export function feedTargetKey(partnerId: string, feed: string, path: string): string {
  if (!isFeedName(feed)) throw new Error(`refusing to build a feed target for feed ${JSON.stringify(feed)}`);
  const key = `${homePrefix(partnerId)}${FEEDS_SEGMENT}/${feed}/${path}`;
  const problem = checkObjectKey(key);
  if (problem || path === '' || isDirectoryPlaceholder(path)) {
    throw new Error(`refusing to build a feed target for path ${JSON.stringify(path)}: ${problem ?? 'no file name'}`);
  }
  return key;
}

/** A feed name is one plain key segment (the configuration decides which ones exist). */
export function isFeedName(feed: string): boolean {
  return feed !== '' && feed !== '.' && feed !== '..' && !feed.includes('/') && checkObjectKey(feed) === null;
}

function routeFeed(afterFeeds: string, feeds: readonly string[], prefix: string): Route {
  const slash = afterFeeds.indexOf('/');
  const feed = slash < 0 ? afterFeeds : afterFeeds.slice(0, slash);
  if (!feeds.includes(feed) || !isFeedName(feed)) {
    return unroutable('unknown-feed', `"${excerpt(feed)}" is not a configured feed`);
  }
  const path = slash < 0 ? '' : afterFeeds.slice(slash + 1);
  if (path === '') return unroutable('no-path', `files go in ${prefix}${FEEDS_SEGMENT}/${feed}/<file>`);
  // Every subscriber's copy must be a valid key too: check against the longest partner id.
  const problem = checkObjectKey(`partners/${'x'.repeat(MAX_PARTNER_ID_LENGTH)}/${FEEDS_SEGMENT}/${feed}/${path}`);
  if (problem) return targetTooLong(problem);
  return { kind: 'feed', feed, path };
}

function normalizePrefix(prefix: string): string {
  return prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
}

function badKey(problem: ObjectKeyProblem): Route {
  return unroutable('bad-key', describeObjectKeyProblem(problem));
}

function targetTooLong(problem: ObjectKeyProblem): Route {
  return unroutable('target-too-long', `the delivered copy's key would be refused: ${describeObjectKeyProblem(problem)}`);
}

function unroutable(code: UnroutableCode, reason: string): Route {
  return { kind: 'unroutable', code, reason };
}
