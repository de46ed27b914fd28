/**
 * How a test or a benchmark starts the real CLI in a child process: the compiled one (dist/, what
 * `npm start` runs) or the TypeScript sources through tsx, with the product's Node flags
 * (src/node-flags.ts) and then `nodeFlags`. Shared by ./worker-process.ts and bench/.
 */
import { existsSync } from 'node:fs';
import { NODE_FLAGS } from '../../src/node-flags.js';

/** True when dist/ is built (`npm run build`). */
export function compiledCliExists(): boolean {
  return existsSync(new URL('../../dist/cli.js', import.meta.url));
}

/** `node` arguments that run `partnergate <command>`. */
export function cliArgv(command: string, compiled: boolean, nodeFlags: readonly string[] = []): string[] {
  const entry = compiled
    ? `import('./dist/cli.js').then((m) => m.main(process.argv.slice(1)))`
    : `import('./src/cli.ts').then((m) => m.main(process.argv.slice(1)))`;
  return [...NODE_FLAGS, ...nodeFlags, ...(compiled ? [] : ['--import', 'tsx']), '-e', entry, '--', command];
}
