/** A one-off command (src/cli/) run with what it writes kept: `capture((out) => runX(args, env, out, options))`. */
import type { ToolOutput } from '../../src/cli/tool.js';

/** What a command wrote, and its exit code. */
export interface CliResult {
  code: number;
  out: string;
  err: string;
}

export async function capture(run: (out: ToolOutput) => number | Promise<number>): Promise<CliResult> {
  let out = '';
  let err = '';
  const code = await run({ stdout: (s) => void (out += s), stderr: (s) => void (err += s) });
  return { code, out, err };
}
