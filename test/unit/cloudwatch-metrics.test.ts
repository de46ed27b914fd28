/**
 * The metrics sidecar (src/cli/cloudwatch-metrics.ts): the bot's real /metrics (prom-client behind the
 * bot's own HTTP server) read back, and turned into CloudWatch embedded metric format lines that the
 * EMF specification accepts. Clocks are passed in; nothing waits on time.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CLOUDWATCH_METRICS,
  parseExporterArgs,
  parsePrometheus,
  runCloudWatchMetrics,
  toEmf,
  UP_METRIC,
  type ExportState,
  type Sample,
} from '../../src/cli/cloudwatch-metrics.js';
import { createMetrics, watchOperatorState } from '../../src/metrics.js';
import { startHttpServer, type HttpServer } from '../../src/bot/transport/server.js';

const NS = 'partnergate';
const NOW = Date.parse('2026-12-07T10:00:00Z');

interface EmfEvent {
  _aws: { Timestamp: number; CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit?: string }> }> };
  [key: string]: unknown;
}

/**
 * The EMF specification's rules for one event: a millisecond timestamp, one directive with a
 * namespace, every dimension key a string member of the event (at most 30 per set), every metric a
 * number member. Returns the events with their one metric's name and value, for the assertions.
 */
function checkedEvents(lines: string[]): Array<{ name: string; value: number; dimensions: string[][]; unit: string | undefined; event: EmfEvent }> {
  return lines.map((line) => {
    const event = JSON.parse(line) as EmfEvent;
    expect(Number.isInteger(event._aws.Timestamp)).toBe(true);
    expect(event._aws.CloudWatchMetrics).toHaveLength(1);
    const d = event._aws.CloudWatchMetrics[0]!;
    expect(d.Namespace).toBe(NS);
    for (const set of d.Dimensions) {
      expect(set.length).toBeLessThanOrEqual(30);
      for (const key of set) {
        expect(typeof event[key], `dimension ${key}`).toBe('string');
        expect((event[key] as string).length).toBeGreaterThan(0);
      }
    }
    expect(d.Metrics).toHaveLength(1);
    const name = d.Metrics[0]!.Name;
    expect(typeof event[name]).toBe('number');
    return { name, value: event[name] as number, dimensions: d.Dimensions, unit: d.Metrics[0]!.Unit, event };
  });
}

const fresh = (): ExportState => ({ startedAtMs: NOW, intervalMs: 60_000 });
const botStartedAt = (ms: number): Sample => ({ name: 'partnergate_process_start_time_seconds', labels: {}, value: ms / 1000, type: 'gauge' });
const jobs = (queue: string, outcome: string, value: number): Sample => ({ name: 'partnergate_jobs_total', labels: { queue, outcome }, value, type: 'counter' });
const valueOf = (lines: string[], name: string, labels: Record<string, string> = {}) =>
  checkedEvents(lines).filter((e) => e.name === name && Object.entries(labels).every(([k, v]) => e.event[k] === v)).map((e) => e.value);

let server: HttpServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('reading the bot\'s /metrics', () => {
  it('when any label values are counted, then the text prom-client writes parses back to the same series and values', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 }), fc.integer({ min: 1, max: 1000 })), { maxLength: 8 }), async (incs) => {
        const m = createMetrics();
        for (const [service, code, n] of incs) m.awsErrors.inc({ service, code }, n);
        const parsed = parsePrometheus(await m.registry.metrics()).filter((s) => s.name === 'partnergate_aws_errors_total');
        const expected = (await m.awsErrors.get()).values;
        expect(parsed).toHaveLength(expected.length);
        for (const v of expected) {
          expect(parsed).toContainEqual({ name: 'partnergate_aws_errors_total', labels: v.labels, value: v.value, type: 'counter' });
        }
      }),
      { numRuns: 200 },
    );
  });

  it('when a line is not a sample, then it is skipped and the rest still parse', () => {
    const samples = parsePrometheus('# TYPE a counter\na{x="1"} 2\nnot a sample\nb{x="unterminated} 3\nc NaN\nd +Inf\ne 4 1700000000000\n');
    expect(samples).toEqual([
      { name: 'a', labels: { x: '1' }, value: 2, type: 'counter' },
      { name: 'd', labels: {}, value: Infinity },
      { name: 'e', labels: {}, value: 4 },
    ]);
  });
});

describe('EMF lines from a scrape', () => {
  it('when the bot and the exporter start together, then counters count from zero, and later scrapes publish the increase', () => {
    const first = toEmf([botStartedAt(NOW - 5_000), jobs('notify', 'failed', 3), jobs('notify', 'completed', 10)], fresh(), NS, NOW);
    expect(valueOf(first.lines, 'partnergate_jobs_total', { queue: 'notify', outcome: 'failed' })).toEqual([3]);
    expect(valueOf(first.lines, UP_METRIC)).toEqual([1]);
    const second = toEmf([botStartedAt(NOW - 5_000), jobs('notify', 'failed', 5), jobs('notify', 'completed', 10)], first.state, NS, NOW + 60_000);
    expect(valueOf(second.lines, 'partnergate_jobs_total', { queue: 'notify', outcome: 'failed' })).toEqual([2]);
    expect(valueOf(second.lines, 'partnergate_jobs_total', { queue: 'notify', outcome: 'completed' })).toEqual([0]);
  });

  it('when the exporter starts beside a bot that has run for hours, then the first scrape only remembers the counters', () => {
    const first = toEmf([botStartedAt(NOW - 3 * 3600_000), jobs('deliver', 'failed', 400)], fresh(), NS, NOW);
    expect(valueOf(first.lines, 'partnergate_jobs_total')).toEqual([0]);
    const second = toEmf([botStartedAt(NOW - 3 * 3600_000), jobs('deliver', 'failed', 401)], first.state, NS, NOW + 60_000);
    expect(valueOf(second.lines, 'partnergate_jobs_total')).toEqual([1]);
  });

  it('when the bot restarted (a new start time, or a counter that went down), then its counters count from zero again', () => {
    const first = toEmf([botStartedAt(NOW - 1_000), jobs('notify', 'failed', 9)], fresh(), NS, NOW);
    const restarted = toEmf([botStartedAt(NOW + 30_000), jobs('notify', 'failed', 12)], first.state, NS, NOW + 60_000);
    expect(valueOf(restarted.lines, 'partnergate_jobs_total')).toEqual([12]);
    const wentDown = toEmf([botStartedAt(NOW + 30_000), jobs('notify', 'failed', 2)], restarted.state, NS, NOW + 120_000);
    expect(valueOf(wentDown.lines, 'partnergate_jobs_total')).toEqual([2]);
  });

  it('when the scrape failed, then only partnergate_up 0 is published and the counters\' memory is kept', () => {
    const first = toEmf([botStartedAt(NOW), jobs('notify', 'failed', 1)], fresh(), NS, NOW);
    const failed = toEmf(null, first.state, NS, NOW + 60_000);
    expect(checkedEvents(failed.lines).map((e) => [e.name, e.value, e.dimensions])).toEqual([[UP_METRIC, 0, [[]]]]);
    const after = toEmf([botStartedAt(NOW), jobs('notify', 'failed', 4)], failed.state, NS, NOW + 120_000);
    expect(valueOf(after.lines, 'partnergate_jobs_total')).toEqual([3]);
  });

  it('when gauges, histograms and metrics outside the table are scraped, then gauges are published as they are and the rest is left out', () => {
    const out = toEmf([
      botStartedAt(NOW),
      { name: 'partnergate_quarantined_partners', labels: {}, value: 2, type: 'gauge' },
      { name: 'partnergate_queue_depth', labels: { queue: 'notify' }, value: 40, type: 'gauge' },
      { name: 'partnergate_delivery_latency_seconds_bucket', labels: { le: '1', route: 'sftp' }, value: 3, type: 'histogram' },
      { name: 'partnergate_slack_requests_total', labels: { kind: 'command' }, value: 7, type: 'counter' },
      // A family of the table's name but another type is not what the alarms expect.
      { name: 'partnergate_parked_deliveries', labels: {}, value: 5, type: 'counter' },
    ], fresh(), NS, NOW);
    const events = checkedEvents(out.lines);
    expect(events.map((e) => e.name).sort()).toEqual(['partnergate_quarantined_partners', 'partnergate_queue_depth', UP_METRIC]);
    expect(valueOf(out.lines, 'partnergate_quarantined_partners')).toEqual([2]);
    expect(events.find((e) => e.name === 'partnergate_queue_depth')).toMatchObject({ value: 40, dimensions: [['queue']], unit: 'None' });
  });

  it('when a counter has the dimension sets of the table, then each set\'s keys are members, and the set without dimensions adds up all series', () => {
    const out = toEmf([
      botStartedAt(NOW),
      { name: 'partnergate_slack_errors_total', labels: { code: 'ratelimited' }, value: 2, type: 'counter' },
      { name: 'partnergate_slack_errors_total', labels: { code: '' }, value: 1, type: 'counter' },
      { name: 'partnergate_aws_errors_total', labels: { service: 'iam', code: 'Throttling' }, value: 4, type: 'counter' },
    ], fresh(), NS, NOW);
    const events = checkedEvents(out.lines).filter((e) => e.name !== UP_METRIC);
    expect(events.map((e) => [e.name, e.dimensions, e.unit])).toEqual([
      ['partnergate_slack_errors_total', [['code'], []], 'Count'],
      ['partnergate_slack_errors_total', [['code'], []], 'Count'],
      ['partnergate_aws_errors_total', [['service', 'code'], []], 'Count'],
    ]);
    // CloudWatch refuses an empty dimension value.
    expect(events[1]!.event['code']).toBe('none');
    // A set naming a label the series lacks is left out rather than sent invalid.
    const partial = toEmf([botStartedAt(NOW), { name: 'partnergate_jobs_total', labels: { queue: 'notify' }, value: 1, type: 'counter' }], fresh(), NS, NOW);
    expect(checkedEvents(partial.lines).find((e) => e.name === 'partnergate_jobs_total')!.dimensions).toEqual([]);
  });
});

describe('the table against the bot\'s own metrics (src/metrics.ts)', () => {
  it('when the sidecar publishes a metric, then the bot\'s registry has it, of the same type, with every dimension among its labels', async () => {
    const metrics = createMetrics();
    const zero = async () => 0;
    watchOperatorState(metrics, { queues: async () => [], notifyDeadLetters: zero, parkedDeliveries: zero, quarantinedPartners: zero });
    const registry = metrics.registry;
    for (const [name, spec] of Object.entries(CLOUDWATCH_METRICS)) {
      const metric = registry.getSingleMetric(name) as unknown as { labelNames: string[]; get(): Promise<{ type: string }> } | undefined;
      expect(metric, `${name} is not in the bot's registry`).toBeDefined();
      if (metric === undefined) continue;
      expect((await metric.get()).type, name).toBe(spec.kind);
      for (const key of spec.dimensions.flat()) expect(metric.labelNames, `${name} has no label ${key}`).toContain(key);
    }
  });
});

describe('partnergate cloudwatch-metrics', () => {
  it.each([
    [['--interval', '5'], /--interval: a whole number of seconds from 10 to 3600/],
    [['--namespace', 'AWS/ECS'], /--namespace/],
    [['--url', 'ftp://host/metrics'], /--url: "ftp:\/\/host\/metrics" is not an http\(s\) URL/],
    [['--bogus'], /Unknown option '--bogus'/],
  ])('when given %j, then it exits 2 with a line naming the problem and the usage', async (argv, problem) => {
    const err: string[] = [];
    const code = await runCloudWatchMetrics(argv, { stdout: () => undefined, stderr: (s) => err.push(s) }, {
      fetch: () => Promise.reject(new Error('not called')), now: () => NOW, sleep: async () => undefined, signal: new AbortController().signal,
    });
    expect(code).toBe(2);
    expect(err.join('')).toMatch(problem);
    expect(err.join('')).toContain('usage: partnergate cloudwatch-metrics');
  });

  it('when no option is given, then it reads the bot\'s metrics port on this host every minute into the partnergate namespace', () => {
    expect(parseExporterArgs([])).toEqual({ url: 'http://127.0.0.1:9464/metrics', intervalSeconds: 60, namespace: 'partnergate' });
  });

  it('when run against the bot\'s metrics server, then each interval prints one EMF line per published series, and a stop ends it with 0', async () => {
    const m = createMetrics();
    m.jobs.inc({ queue: 'deliver', outcome: 'failed' }, 2);
    m.slackErrors.inc({ code: 'ratelimited' });
    server = await startHttpServer({ metrics: m.registry, ready: async () => true }, 0, '127.0.0.1');
    const stop = new AbortController();
    const out: string[] = [];
    let sleeps = 0;
    const code = await runCloudWatchMetrics(['--url', `http://127.0.0.1:${server.port}/metrics`, '--interval', '60'], { stdout: (s) => out.push(s), stderr: (s) => out.push(`ERR ${s}`) }, {
      fetch: (url, init) => fetch(url, init),
      now: () => Date.now(),
      sleep: async (ms) => {
        expect(ms).toBe(60_000);
        sleeps += 1;
        if (sleeps === 1) m.jobs.inc({ queue: 'deliver', outcome: 'failed' });
        if (sleeps === 2) stop.abort();
      },
      signal: stop.signal,
    });
    expect(code).toBe(0);
    expect(out.every((s) => !s.startsWith('ERR'))).toBe(true);
    const [first, second] = out.map((chunk) => chunk.trimEnd().split('\n'));
    expect(valueOf(first!, 'partnergate_jobs_total', { queue: 'deliver', outcome: 'failed' })).toEqual([2]);
    expect(valueOf(first!, 'partnergate_slack_errors_total', { code: 'ratelimited' })).toEqual([1]);
    expect(valueOf(second!, 'partnergate_jobs_total', { queue: 'deliver', outcome: 'failed' })).toEqual([1]);
    expect(valueOf(second!, UP_METRIC)).toEqual([1]);
  });

  it('when the bot does not answer, then it says so on stderr and publishes partnergate_up 0', async () => {
    const stop = new AbortController();
    const out: string[] = [];
    const err: string[] = [];
    server = await startHttpServer({ ready: async () => true }, 0, '127.0.0.1'); // no metrics here: 404
    const code = await runCloudWatchMetrics(['--url', `http://127.0.0.1:${server.port}/metrics`], { stdout: (s) => out.push(s), stderr: (s) => err.push(s) }, {
      fetch: (url, init) => fetch(url, init), now: () => NOW, sleep: async () => stop.abort(), signal: stop.signal,
    });
    expect(code).toBe(0);
    expect(err.join('')).toMatch(/did not answer \(HTTP 404\); published partnergate_up 0/);
    expect(valueOf(out.join('').trimEnd().split('\n'), UP_METRIC)).toEqual([0]);
  });
});
