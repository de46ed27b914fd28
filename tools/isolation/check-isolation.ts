/**
 * npm run check-isolation -- [--partners N] [--json] [--verbose] [--workers N] [--from-env] [--bot-runs-as-role ROLE]
 *
 * Renders the documents of N partners (at least five, ids that are prefixes of one another, with
 * and without AWS accounts) and evaluates the isolation matrix with the offline IAM engine
 * (@cloud-copilot/iam-simulate, a devDependency). Prints a table (or JSON with --json) and exits 1
 * naming every cell that differs from what we expect. --from-env reads the platform parameters
 * from the environment as `partnergate render` does; otherwise an example platform is used.
 * --bot-runs-as-role is the platform stack's BotRunsAsRole (the bot role then trusts that role
 * instead of ECS tasks); without it the bot is an ECS task, as with the parameter left empty.
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { loadPlatformConfig } from '../../src/config.js';
import { type PlatformConfig } from '../../src/aws/policies/platform.js';
import { BOT_RUNS_AS_ROLE_PATTERN } from '../../src/aws/policies/index.js';
import type { Decision } from './iam-engine.js';
import {
  buildCells,
  buildScenario,
  evaluateCells,
  judged,
  matrixReport,
  runIsolationMatrix,
  scenarioSpecs,
  type CellResult,
  type MatrixReport,
  type Scenario,
} from './iam-matrix.js';
import { printJson, printTable } from './check-isolation-report.js';

const EXAMPLE_PLATFORM = {
  AWS_REGION: 'eu-west-1',
  AWS_ACCOUNT_ID: '111122223333',
  DISTRIBUTION_BUCKET: 'partnergate-distribution',
  KMS_KEY_ARN: 'arn:aws:kms:eu-west-1:111122223333:key/0b7c7e3a-1d2e-4f5a-9b8c-7d6e5f4a3b2c',
  TRANSFER_SERVER_ID: 's-0123456789abcdef0',
};

interface Job {
  partners: number;
  fromEnv: boolean;
  botRunsAsRole?: string;
}

/** ExternalIds for the check: fixed per id, so every worker renders the same documents. */
function checkExternalId(id: string): string {
  return `check-isolation-${id}`.padEnd(43, '0');
}

function scenarioFor(job: Job): Scenario {
  const platform: PlatformConfig = {
    ...loadPlatformConfig(job.fromEnv ? process.env : EXAMPLE_PLATFORM),
    ...(job.botRunsAsRole === undefined ? {} : { botRunsAsRole: job.botRunsAsRole }),
  };
  return buildScenario(platform, scenarioSpecs(job.partners, checkExternalId));
}

interface WorkerAnswer {
  decisions: Array<[number, Decision]>;
  ignoredContextKeys: Record<string, string[]>;
}

async function evaluateSlice(job: Job, part: number, of: number): Promise<WorkerAnswer> {
  const { cells, documents } = buildCells(scenarioFor(job));
  const indexed = cells.map((c, i) => ({ ...c, index: i }));
  const { results, ignoredContextKeys } = await evaluateCells(indexed, documents, { slice: { part, of } });
  return { decisions: results.map((r) => [(r as CellResult & { index: number }).index, r.decision]), ignoredContextKeys };
}

/** Worker threads run this same file through tsx's loader. */
function startWorker(job: Job, part: number, of: number): Promise<WorkerAnswer> {
  const tsx = import.meta.resolve('tsx/esm/api');
  const self = fileURLToPath(import.meta.url);
  const code = `import(${JSON.stringify(tsx)}).then(({ tsImport }) => tsImport(${JSON.stringify(self)}, ${JSON.stringify(import.meta.url)}))`;
  return new Promise((resolve, reject) => {
    const worker = new Worker(code, { eval: true, workerData: { job, part, of } });
    worker.once('message', (answer: WorkerAnswer) => {
      resolve(answer);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`worker ${part} exited with ${code}`))));
  });
}

async function run(job: Job, workers: number): Promise<MatrixReport> {
  if (workers <= 1) return runIsolationMatrix(scenarioFor(job));
  const started = performance.now();
  const running = Array.from({ length: workers }, (_, part) => startWorker(job, part, workers));
  const scenario = scenarioFor(job);
  const { cells, mutations } = buildCells(scenario);
  const answers = await Promise.all(running);
  const decisions = new Map(answers.flatMap((a) => a.decisions));
  const results = cells.map((cell, i) => {
    const decision = decisions.get(i);
    if (decision === undefined) throw new Error(`no decision for cell ${i}`);
    return judged(cell, decision);
  });
  const ignored: Record<string, string[]> = {};
  for (const a of answers) {
    for (const [action, keys] of Object.entries(a.ignoredContextKeys)) ignored[action] = [...new Set([...(ignored[action] ?? []), ...keys])].sort();
  }
  return matrixReport(scenario, results, ignored, started, mutations);
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      partners: { type: 'string', default: '8' },
      workers: { type: 'string' },
      json: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      'from-env': { type: 'boolean', default: false },
      'bot-runs-as-role': { type: 'string' },
    },
    strict: true,
  });
  const partners = Number(values.partners);
  if (!Number.isInteger(partners) || partners < 5 || partners > 10_000) {
    process.stderr.write('check-isolation: --partners must be a whole number from 5 to 10000\n');
    return 2;
  }
  const workers = values.workers === undefined ? (partners > 20 ? Math.min(4, availableParallelism()) : 1) : Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1) {
    process.stderr.write('check-isolation: --workers must be a whole number of at least 1\n');
    return 2;
  }
  const botRunsAsRole = values['bot-runs-as-role'];
  if (botRunsAsRole !== undefined && !BOT_RUNS_AS_ROLE_PATTERN.test(botRunsAsRole)) {
    process.stderr.write('check-isolation: --bot-runs-as-role is a role of this account as its ARN says after "role/" (eks/partnergate-bot), not under partnergate/\n');
    return 2;
  }
  const report = await run({ partners, fromEnv: values['from-env'], ...(botRunsAsRole === undefined ? {} : { botRunsAsRole }) }, workers);
  const write = (s: string) => process.stdout.write(s);
  if (values.json) printJson(report, write);
  else printTable(report, write, { verbose: values.verbose, workers });
  return report.failures === 0 ? 0 : 1;
}

if (isMainThread) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`check-isolation: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 2;
    },
  );
} else {
  const { job, part, of } = workerData as { job: Job; part: number; of: number };
  evaluateSlice(job, part, of).then((answer) => parentPort!.postMessage(answer));
}
