/**
 * The SFTP server's own record of downloads: its structured (JSON) log in CloudWatch Logs
 * (StructuredLogDestinations, manifests/platform.yaml). Transfer writes each session's entries to a
 * stream named `<user>.<session-id>`; a download is an `OPEN` of the path with mode READ and a
 * `CLOSE` (or `PARTIAL_CLOSE`) of it with `bytes-out`, the path being `/<bucket>/<key>`. EventBridge
 * download events are best effort; this log is what the deadlines check before a file is called
 * overdue (docs/pickups.md "The source of record").
 */
import { FilterLogEventsCommand, type CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';

export interface LoggedDownload {
  /** The CLOSE entry's time (ms), as CloudWatch stamped it. */
  atMs: number;
  bytesOut: number | null;
  sessionId: string;
  /** `CLOSE`: the client closed the file; `PARTIAL_CLOSE`: the transfer ended before it was whole. */
  activity: 'CLOSE' | 'PARTIAL_CLOSE';
}

export interface DownloadQuery {
  logGroupName: string;
  /** The Transfer user (the partner id): only its own sessions' streams are read. */
  userName: string;
  /** `/<bucket>/<key>`, exactly as Transfer logs it. */
  path: string;
  fromMs: number;
  toMs: number;
  /** Pages of results read at most (each up to `pageSize` entries): bounded work per file. */
  maxPages?: number;
  pageSize?: number;
}

/** A string CloudWatch's filter syntax can hold in double quotes; anything else is matched here instead. */
const QUOTABLE = /^[^"\\\u0000-\u001f]*$/;

/**
 * The filter pattern: closes of this path. A key CloudWatch's syntax cannot quote is narrowed to
 * closes, and its path compared here.
 */
export function downloadFilterPattern(path: string): string {
  const closes = '($.activity-type = "CLOSE" || $.activity-type = "PARTIAL_CLOSE")';
  return QUOTABLE.test(path) ? `{ ${closes} && $.path = "${path}" }` : `{ ${closes} }`;
}

/** One log entry as a download of `path` by one of the user's sessions, or null. */
export function readDownloadEntry(entry: { message?: string | undefined; timestamp?: number | undefined; logStreamName?: string | undefined }, q: Pick<DownloadQuery, 'userName' | 'path'>): LoggedDownload | null {
  if (!entry.message || entry.timestamp === undefined || !entry.logStreamName?.startsWith(`${q.userName}.`)) return null;
  let m: unknown;
  try {
    m = JSON.parse(entry.message);
  } catch {
    return null;
  }
  if (typeof m !== 'object' || m === null) return null;
  const f = m as Record<string, unknown>;
  const activity = f['activity-type'];
  if ((activity !== 'CLOSE' && activity !== 'PARTIAL_CLOSE') || f['path'] !== q.path) return null;
  const bytes = Number(f['bytes-out']);
  const sessionId = typeof f['session-id'] === 'string' ? f['session-id'] : entry.logStreamName.slice(q.userName.length + 1);
  return { atMs: entry.timestamp, bytesOut: f['bytes-out'] !== undefined && Number.isFinite(bytes) ? bytes : null, sessionId, activity };
}

/** The user's logged downloads of the path between the two times, oldest first (bounded by maxPages). */
export async function findLoggedDownloads(client: CloudWatchLogsClient, q: DownloadQuery): Promise<LoggedDownload[]> {
  const found: LoggedDownload[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < (q.maxPages ?? 5); page += 1) {
    const out = await client.send(new FilterLogEventsCommand({
      logGroupName: q.logGroupName,
      logStreamNamePrefix: `${q.userName}.`,
      filterPattern: downloadFilterPattern(q.path),
      startTime: q.fromMs,
      endTime: q.toMs,
      limit: q.pageSize ?? 100,
      ...(nextToken ? { nextToken } : {}),
    }));
    for (const e of out.events ?? []) {
      const d = readDownloadEntry(e, q);
      if (d) found.push(d);
    }
    nextToken = out.nextToken;
    if (!nextToken) break;
  }
  return found.sort((a, b) => a.atMs - b.atMs);
}
