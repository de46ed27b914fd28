/** How `npm run check-isolation` shows the matrix: a summary table, or JSON. */
import { describeDifference, describePathFailure, NOT_MODELLED, type CellResult, type MatrixReport, type MutationSummary } from './iam-matrix.js';

type Write = (s: string) => void;

interface Row {
  kind: string;
  category: string;
  principals: Set<string>;
  cells: number;
  allow: number;
  deny: number;
  differing: number;
}

export const ENGINE_NOTE =
  'engine: @cloud-copilot/iam-simulate (AWS IAM evaluation logic, offline); documents validated once, evaluated by the library core; the unit tests cross-check every cell of the 8-partner matrix against its public runSimulation.';

function rows(results: CellResult[]): Row[] {
  const byKey = new Map<string, Row>();
  for (const r of results) {
    const key = `${r.kind}\u0000${r.category}`;
    let row = byKey.get(key);
    if (!row) {
      row = { kind: r.kind, category: r.category, principals: new Set(), cells: 0, allow: 0, deny: 0, differing: 0 };
      byKey.set(key, row);
    }
    row.principals.add(r.principal);
    row.cells += 1;
    if (r.expected === 'allow') row.allow += 1;
    else row.deny += 1;
    if (!r.ok) row.differing += 1;
  }
  return [...byKey.values()];
}

function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

function joinWords(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** How one mutation case came out, in a few lines. */
function mutationLines(c: MutationSummary): string[] {
  const result = c.ok ? 'as expected' : `${c.differing} cell${c.differing === 1 ? '' : 's'} and ${c.pathFailures.length} path${c.pathFailures.length === 1 ? '' : 's'} DIFFER`;
  const paths = c.pathChecks > 0 ? `, ${c.pathChecks} SFTP paths through the home mapping` : '';
  const verdict = c.holds.length > 0
    ? `held by ${joinWords(c.holds)} (${c.cells} cells${paths}: ${result})`
    : `NOT held — AWS gives no second layer: ${c.why ?? ''} (${c.cells} cells pin the gap: ${result})`;
  return [
    `${c.ok ? 'ok    ' : 'DIFFER'}  [${c.target}] ${c.change}`,
    `        ${verdict}`,
    ...c.caughtBy.map((t) => `        caught and contained: ${t}`),
  ];
}

function printMutations(report: MatrixReport, write: Write): void {
  const m = report.mutations;
  if (!m) return;
  const held = m.cases.filter((c) => c.holds.length > 0).length;
  write(`\nsingle changes to one partner's access (${m.cases.length} cases: ${held} still held by a remaining layer, ${m.cases.length - held} caught by events instead): can ${m.attacker} then list or read its neighbours' files (${m.victims.join(', ')})?\n`);
  for (const c of m.cases) for (const line of mutationLines(c)) write(`  ${line}\n`);
}

export function printTable(report: MatrixReport, write: Write, options: { verbose: boolean; workers: number }): void {
  const table = rows(report.results);
  const who = (r: Row) => `${r.kind} (${r.principals.size})`;
  const w1 = Math.max(9, ...table.map((r) => who(r).length));
  const w2 = Math.max(8, ...table.map((r) => r.category.length));
  write(`isolation matrix: ${report.partners} partners, ${report.results.length} cells, ${(report.elapsedMs / 1000).toFixed(1)} s (${options.workers} worker${options.workers === 1 ? '' : 's'})\n\n`);
  write(`${pad('principal', w1)}  ${pad('resource', w2)}  ${pad('cells', 6, true)}  ${pad('allow', 6, true)}  ${pad('deny', 6, true)}  result\n`);
  write(`${'-'.repeat(w1)}  ${'-'.repeat(w2)}  ${'-'.repeat(6)}  ${'-'.repeat(6)}  ${'-'.repeat(6)}  ------\n`);
  for (const r of table) {
    const result = r.differing === 0 ? 'as expected' : `${r.differing} DIFFER`;
    write(`${pad(who(r), w1)}  ${pad(r.category, w2)}  ${pad(String(r.cells), 6, true)}  ${pad(String(r.allow), 6, true)}  ${pad(String(r.deny), 6, true)}  ${result}\n`);
  }
  if (options.verbose) {
    write('\n');
    for (const r of report.results) write(`${r.ok ? 'ok     ' : 'DIFFERS'}  ${r.principal}: ${r.what} — expected ${r.expected}, ${r.decision}\n`);
  }
  printMutations(report, write);
  write(`\n${ENGINE_NOTE}\nnot modelled by the engine, and how it is covered instead:\n`);
  for (const note of NOT_MODELLED) write(`  - ${note}\n`);
  const ignored = Object.entries(report.ignoredContextKeys);
  if (ignored.length > 0) {
    write('context keys the engine ignored as not applying to the action:\n');
    for (const [action, keys] of ignored) write(`  - ${action}: ${keys.join(', ')}\n`);
  }
  const pathFailures = report.mutations?.cases.flatMap((c) => c.pathFailures) ?? [];
  if (report.failures === 0) {
    write(`\nOK: every cell is as expected.\n`);
  } else {
    write(`\nFAILED: ${report.differing.length} cell${report.differing.length === 1 ? ' differs' : 's differ'}${pathFailures.length ? `, ${pathFailures.length} SFTP path${pathFailures.length === 1 ? '' : 's'} land${pathFailures.length === 1 ? 's' : ''} where the case says it must not` : ''}:\n`);
    for (const d of report.differing) write(`  ${describeDifference(d)}\n`);
    for (const x of pathFailures) write(`  ${describePathFailure(x)}\n`);
  }
}

export function printJson(report: MatrixReport, write: Write): void {
  write(`${JSON.stringify({
    ok: report.failures === 0,
    partners: report.partners,
    cells: report.results.length,
    elapsedMs: Math.round(report.elapsedMs),
    differing: [...report.differing.map(describeDifference), ...(report.mutations?.cases.flatMap((c) => c.pathFailures.map(describePathFailure)) ?? [])],
    mutations: report.mutations && {
      attacker: report.mutations.attacker,
      victims: report.mutations.victims,
      cases: report.mutations.cases.map((c) => ({
        id: c.id, target: c.target, change: c.change, holds: c.holds, ...(c.why ? { why: c.why } : {}), caughtBy: c.caughtBy,
        cells: c.cells, pathChecks: c.pathChecks, ok: c.ok,
      })),
    },
    engine: ENGINE_NOTE,
    notModelled: NOT_MODELLED,
    ignoredContextKeys: report.ignoredContextKeys,
    summary: rows(report.results).map((r) => ({
      principal: r.kind, principals: r.principals.size, resource: r.category, cells: r.cells, allow: r.allow, deny: r.deny, differing: r.differing,
    })),
    matrix: report.results.map((r) => ({
      principal: r.principal, what: r.what, action: r.request.action, resource: r.request.resource,
      context: r.request.context, expected: r.expected, decision: r.decision, ok: r.ok,
    })),
  }, null, 2)}\n`);
}
