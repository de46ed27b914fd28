/**
 * npm run manifests [-- --check]
 *
 * Rewrites the generated blocks of manifests/platform.yaml, manifests/partner/partner.yaml and
 * manifests/runtime.yaml from the policy renderer (src/aws/policies), the domain rules and the
 * process's drain deadline. With --check nothing is written: it
 * exits 1 naming every manifest that is stale (test/unit/manifests.test.ts makes the same check).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { manifestFile, MANIFESTS, renderManifest } from './manifests/manifests.js';

function main(argv: string[]): number {
  const check = argv.includes('--check');
  const unknown = argv.filter((a) => a !== '--check');
  if (unknown.length > 0) {
    process.stderr.write(`render-manifests: unknown argument ${unknown[0]} (usage: npm run manifests [-- --check])\n`);
    return 2;
  }
  let stale = 0;
  for (const m of MANIFESTS) {
    const file = manifestFile(m);
    const current = readFileSync(file, 'utf8');
    const wanted = renderManifest(m, current);
    if (wanted === current) {
      process.stdout.write(`${m.path}: up to date\n`);
      continue;
    }
    stale += 1;
    if (check) {
      process.stdout.write(`${m.path}: stale (run npm run manifests)\n`);
    } else {
      writeFileSync(file, wanted);
      process.stdout.write(`${m.path}: rewritten\n`);
    }
  }
  return check && stale > 0 ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
