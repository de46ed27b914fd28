/**
 * Writes generated blocks into a hand-written template between marker comments:
 *
 *       # BEGIN GENERATED bucket-policy (npm run manifests; do not edit by hand)
 *       PolicyDocument: …
 *       # END GENERATED bucket-policy
 *
 * The block is written at the BEGIN line's indentation. Everything outside the markers is left as
 * it is. Every block must appear exactly once, and every marker must name a known block, so that
 * removing a marker cannot make a stale file look fresh.
 */
import { Document, Scalar } from 'yaml';
import { Intrinsic, type CfnValue } from './cfn-value.js';
import type { Blocks } from './blocks.js';

const BEGIN = /^( *)# BEGIN GENERATED ([a-z0-9-]+)\b.*$/;
const END = /^ *# END GENERATED ([a-z0-9-]+)\s*$/;

function toNodes(value: CfnValue): unknown {
  if (value instanceof Intrinsic) {
    const node = new Scalar(value.arg);
    node.tag = `!${value.fn}`;
    return node;
  }
  if (Array.isArray(value)) return value.map(toNodes);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toNodes(v)]));
  }
  return value;
}

/**
 * YAML for a block, without folding. Written as YAML 1.1 so that every string YAML 1.1 would read
 * as something else (`2012-10-17`, `000000000000`, `yes`) is quoted.
 */
export function blockYaml(block: Record<string, CfnValue>, indent: string): string {
  const doc = new Document(toNodes(block), { version: '1.1' });
  const text = doc.toString({ lineWidth: 0, directives: false, indentSeq: true });
  return text
    .trimEnd()
    .split('\n')
    .map((line) => (line === '' ? line : `${indent}${line}`))
    .join('\n');
}

/** The template with every generated block rewritten. Throws on a missing, repeated or unknown marker. */
export function spliceGenerated(text: string, blocks: Blocks, file: string): string {
  const lines = text.split('\n');
  const out: string[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i]!;
    const end = END.exec(line);
    if (end) throw new Error(`${file}:${i + 1}: END GENERATED ${end[1]} without its BEGIN`);
    const begin = BEGIN.exec(line);
    if (!begin) {
      out.push(line);
      continue;
    }
    const [, indent, name] = begin as unknown as [string, string, string];
    const block = blocks[name];
    if (block === undefined) throw new Error(`${file}:${i + 1}: no generated block is named ${name} (known: ${Object.keys(blocks).join(', ')})`);
    if (seen.has(name)) throw new Error(`${file}:${i + 1}: the block ${name} appears twice`);
    seen.add(name);
    let j = i + 1;
    while (j < lines.length && END.exec(lines[j]!)?.[1] !== name) {
      if (BEGIN.test(lines[j]!) || END.test(lines[j]!)) throw new Error(`${file}:${j + 1}: the block ${name} is not closed before another marker`);
      j += 1;
    }
    if (j === lines.length) throw new Error(`${file}:${i + 1}: the block ${name} has no END GENERATED ${name}`);
    out.push(line, blockYaml(block, indent), lines[j]!);
    i = j;
  }
  const missing = Object.keys(blocks).filter((name) => !seen.has(name));
  if (missing.length > 0) throw new Error(`${file}: no place for the generated block(s) ${missing.join(', ')}`);
  return out.join('\n');
}
