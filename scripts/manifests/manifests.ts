/** The manifests `npm run manifests` keeps in step with the renderer, and how to render one. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { partnerBlocks, platformBlocks, runtimeBlocks, type Blocks } from './blocks.js';
import { spliceGenerated } from './splice.js';

export interface Manifest {
  /** Relative to the repository root. */
  path: string;
  blocks: () => Blocks;
}

export const MANIFESTS: Manifest[] = [
  { path: 'manifests/platform.yaml', blocks: platformBlocks },
  { path: 'manifests/partner/partner.yaml', blocks: partnerBlocks },
  { path: 'manifests/runtime.yaml', blocks: runtimeBlocks },
];

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function manifestFile(m: Manifest): string {
  return `${REPO_ROOT}${m.path}`;
}

/** What the file should hold: its hand-written parts with every generated block rendered now. */
export function renderManifest(m: Manifest, current: string = readFileSync(manifestFile(m), 'utf8')): string {
  return spliceGenerated(current, m.blocks(), m.path);
}
