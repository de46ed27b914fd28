/**
 * `partnergate cloudwatch-metrics [--url URL] [--interval SECONDS] [--namespace NS]`: the runtime
 * stack's metrics sidecar (manifests/runtime.yaml). Every interval it reads the bot's Prometheus
 * `GET /metrics` and prints the figures an operator alarms on as CloudWatch embedded metric format
 * (EMF) lines on stdout; the task's log driver ships them to CloudWatch Logs, which turns them into
 * metrics in NS (docs/operations.md lists the alarms).
 *
 * Why not the CloudWatch agent: it would publish with the task's credentials, and the task role is
 * the bot role, whose rights are the renderer's alone (src/aws/policies; the isolation matrix
 * proves them). Lines on stdout need no AWS rights at all: the ECS agent ships them with the task's
 * execution role.
 *
 * Counters are published as their increase since the previous scrape (a Sum over a period is then
 * the count in it); gauges as they are. `partnergate_up` is 1 when the scrape succeeded, 0 when it
 * did not, so an alarm on it (missing data breaching) also catches a bot that stopped answering.
 * Bad arguments: one line on stderr, exit 2. SIGTERM ends the loop, exit 0.
 */
import { parseOptions, UsageError, type ToolOutput } from './tool.js';

type Kind = 'counter' | 'gauge';

/**
 * What is published, and under which dimension sets. A counter's set without dimensions (`[]`)
 * adds up all its series, which is what an alarm on "any Slack error" needs (CloudWatch alarms
 * cannot search across dimensions). The gauges are the operator gauges of issue 18.
 */
export const CLOUDWATCH_METRICS: Record<string, { kind: Kind; dimensions: string[][] }> = {
  partnergate_jobs_total: { kind: 'counter', dimensions: [['queue', 'outcome'], ['outcome']] },
  partnergate_slack_errors_total: { kind: 'counter', dimensions: [['code'], []] },
  partnergate_aws_errors_total: { kind: 'counter', dimensions: [['service', 'code'], []] },
  partnergate_queue_depth: { kind: 'gauge', dimensions: [['queue']] },
  partnergate_quarantined_partners: { kind: 'gauge', dimensions: [[]] },
  partnergate_parked_deliveries: { kind: 'gauge', dimensions: [[]] },
};

/** Published by the exporter itself: 1 when the bot's /metrics answered, else 0. */
export const UP_METRIC = 'partnergate_up';

/** The bot's start time (prom-client's default metric under the bot's prefix): a change means a restart. */
const START_TIME_METRIC = 'partnergate_process_start_time_seconds';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
  /** The family's `# TYPE`, when the text gave one. */
  type?: string;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(?:,|$)/y;

function unescapeLabel(value: string): string {
  return value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

function parseValue(text: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

/** The samples of Prometheus's text exposition format (the part prom-client writes). Lines it cannot read are skipped. */
export function parsePrometheus(text: string): Sample[] {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)/.exec(line);
    if (type) types.set(type[1]!, type[2]!);
    if (line === '' || line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    const body = m[2] ?? '';
    LABEL.lastIndex = 0;
    let readable = true;
    while (LABEL.lastIndex < body.length) {
      const at = LABEL.lastIndex;
      const l = LABEL.exec(body);
      if (!l || LABEL.lastIndex === at) {
        readable = false;
        break;
      }
      labels[l[1]!] = unescapeLabel(l[2]!);
    }
    const value = parseValue(m[3]!);
    if (!readable || Number.isNaN(value)) continue;
    const familyType = types.get(m[1]!);
    samples.push({ name: m[1]!, labels, value, ...(familyType ? { type: familyType } : {}) });
  }
  return samples;
}

/** What the exporter remembers between scrapes: each counter series' last value, and the bot's start time. */
export interface ExportState {
  startedAtMs: number;
  intervalMs: number;
  botStart?: number;
  last?: Map<string, number>;
}

const seriesKey = (s: Sample) => `${s.name}${JSON.stringify(Object.entries(s.labels).sort(([a], [b]) => a.localeCompare(b)))}`;

/** CloudWatch refuses an empty dimension value, and cuts at 1,024 characters. */
const dimensionValue = (v: string) => (v === '' ? 'none' : v.slice(0, 1024));

function emfLine(namespace: string, now: number, name: string, kind: Kind | 'up', value: number, labels: Record<string, string>, sets: string[][]): string {
  const dimensions = sets.filter((set) => set.every((key) => key in labels));
  const properties = Object.fromEntries(dimensions.flat().map((key) => [key, dimensionValue(labels[key]!)]));
  return JSON.stringify({
    _aws: {
      Timestamp: now,
      CloudWatchMetrics: [{ Namespace: namespace, Dimensions: dimensions, Metrics: [{ Name: name, Unit: kind === 'gauge' ? 'None' : 'Count' }] }],
    },
    ...properties,
    [name]: value,
  });
}

/**
 * One scrape's EMF lines and the state for the next. `samples` null: the scrape failed, and only
 * `partnergate_up` 0 is published. A counter's first value counts from zero when the bot started
 * at most one interval before this exporter (they start together in the task), else it is only
 * remembered: an exporter started beside a bot that has run for hours must not report its whole
 * history as new errors. A counter that went down, or a new bot start time, means the bot
 * restarted: its values count from zero again.
 */
export function toEmf(samples: Sample[] | null, state: ExportState, namespace: string, now: number): { lines: string[]; state: ExportState } {
  if (samples === null) return { lines: [emfLine(namespace, now, UP_METRIC, 'up', 0, {}, [[]])], state };
  const botStart = samples.find((s) => s.name === START_TIME_METRIC)?.value;
  const restarted = state.last !== undefined && botStart !== undefined && state.botStart !== undefined && botStart !== state.botStart;
  const baselineOnly = state.last === undefined && !(botStart !== undefined && botStart * 1000 >= state.startedAtMs - state.intervalMs);
  const previous = restarted || state.last === undefined ? new Map<string, number>() : state.last;
  const last = new Map<string, number>();
  const lines = [emfLine(namespace, now, UP_METRIC, 'up', 1, {}, [[]])];
  for (const s of samples) {
    const spec = CLOUDWATCH_METRICS[s.name];
    if (spec === undefined || (s.type !== undefined && s.type !== spec.kind) || !Number.isFinite(s.value)) continue;
    let value = s.value;
    if (spec.kind === 'counter') {
      const key = seriesKey(s);
      last.set(key, s.value);
      const before = previous.get(key) ?? 0;
      value = baselineOnly ? 0 : s.value >= before ? s.value - before : s.value;
    }
    lines.push(emfLine(namespace, now, s.name, spec.kind, value, s.labels, spec.dimensions));
  }
  return { lines, state: { ...state, last, ...(botStart !== undefined ? { botStart } : {}) } };
}

export interface ExporterOptions {
  url: string;
  intervalSeconds: number;
  namespace: string;
}

const USAGE = 'usage: partnergate cloudwatch-metrics [--url http://127.0.0.1:9464/metrics] [--interval 60] [--namespace partnergate]';

export function parseExporterArgs(argv: string[]): ExporterOptions {
  const values = parseOptions(argv, { url: { type: 'string' }, interval: { type: 'string' }, namespace: { type: 'string' } });
  const url = values.url ?? 'http://127.0.0.1:9464/metrics';
  if (!/^https?:\/\/[^\s/]+\/\S*$/.test(url)) throw new UsageError(`--url: ${JSON.stringify(url.slice(0, 80))} is not an http(s) URL`);
  const interval = values.interval ?? '60';
  if (!/^\d+$/.test(interval) || Number(interval) < 10 || Number(interval) > 3600) throw new UsageError('--interval: a whole number of seconds from 10 to 3600');
  const namespace = values.namespace ?? 'partnergate';
  // CloudWatch reserves AWS/ for its own namespaces.
  if (!/^[A-Za-z0-9._/#:-]{1,255}$/.test(namespace) || namespace.startsWith('AWS/')) throw new UsageError('--namespace: letters, digits and . _ / # : - (not AWS/…)');
  return { url, intervalSeconds: Number(interval), namespace };
}

export interface ExporterDeps {
  fetch: (url: string, init: { signal: AbortSignal }) => Promise<{ ok: boolean; status: number; text(): Promise<string> }>;
  now: () => number;
  /** Resolves after `ms`, or early when `signal` aborts. */
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Aborted on SIGTERM: the loop ends after the line it is writing. */
  signal: AbortSignal;
}

/** One scrape: the bot's samples, or null (with a line on stderr) when it did not answer. */
async function scrape(o: ExporterOptions, deps: ExporterDeps, io: ToolOutput): Promise<Sample[] | null> {
  try {
    const res = await deps.fetch(o.url, { signal: AbortSignal.timeout(Math.min(10_000, o.intervalSeconds * 500)) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return parsePrometheus(await res.text());
  } catch (err) {
    io.stderr(`cloudwatch-metrics: ${o.url} did not answer (${(err as Error).message}); published ${UP_METRIC} 0\n`);
    return null;
  }
}

export async function runCloudWatchMetrics(argv: string[], io: ToolOutput, deps: ExporterDeps): Promise<number> {
  let o: ExporterOptions;
  try {
    o = parseExporterArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr(`partnergate cloudwatch-metrics: ${err.message}\n${USAGE}\n`);
    return 2;
  }
  let state: ExportState = { startedAtMs: deps.now(), intervalMs: o.intervalSeconds * 1000 };
  while (!deps.signal.aborted) {
    const samples = await scrape(o, deps, io);
    const out = toEmf(samples, state, o.namespace, deps.now());
    state = out.state;
    io.stdout(out.lines.map((l) => `${l}\n`).join(''));
    await deps.sleep(o.intervalSeconds * 1000, deps.signal);
  }
  return 0;
}
