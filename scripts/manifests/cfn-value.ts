/**
 * Turns documents the policy renderer produced for sentinel parameters into CloudFormation values.
 *
 * The renderer is pure and takes concrete values, so the manifests render with sentinels (an
 * account id, a region, a bucket name … that appear nowhere else) and then every sentinel in a
 * string is replaced with what CloudFormation substitutes at deploy time: a string holding one
 * becomes `!Sub` with `${AWS::AccountId}`, `${BucketName}`, `${PlatformKey.Arn}`; a string that *is*
 * one becomes `!Ref` / `!GetAtt`. So a deployed document says exactly what the renderer says for the
 * deployed values. A policy variable the renderer writes (`${aws:PrincipalTag/…}`, the second layer's)
 * in a string that needs `!Sub` is escaped as CloudFormation documents, `${!aws:PrincipalTag/…}`, which
 * it writes back as `${aws:PrincipalTag/…}`; a literal `${` that is not closed before the next
 * sentinel cannot be escaped safely and is refused.
 */

/** A CloudFormation intrinsic in a generated block, written as its short-form tag. */
export class Intrinsic {
  constructor(
    readonly fn: 'Ref' | 'Sub' | 'GetAtt',
    readonly arg: string,
  ) {}
}

export type CfnValue = string | number | boolean | null | Intrinsic | CfnValue[] | { [key: string]: CfnValue };

/** One sentinel: the text the renderer wrote, and what stands for it inside `!Sub`. */
export interface Substitution {
  find: string;
  /** `${Name}` (a parameter, a pseudo parameter or `Resource.Attribute`), or text holding one. */
  sub: string;
}

/**
 * A substitution list, checked: `leftovers` are fragments of sentinels that must not survive
 * conversion (a renderer that sliced or re-cased a sentinel would leave one).
 */
export interface SubstitutionSet {
  substitutions: Substitution[];
  leftovers: string[];
}

const WHOLE_REFERENCE = /^\$\{([A-Za-z0-9:]+)(?:\.([A-Za-z0-9.]+))?\}$/;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** One string: unchanged without sentinels; otherwise `!Ref`, `!GetAtt` or `!Sub`. */
export function convertString(text: string, set: SubstitutionSet): string | Intrinsic {
  const { substitutions } = set;
  const byFind = new Map(substitutions.map((s) => [s.find, s.sub]));
  // Alternatives in list order: at one position the first listed (the most specific) wins.
  const pattern = new RegExp(`(${substitutions.map((s) => escapeRegExp(s.find)).join('|')})`, 'g');
  const pieces = text.split(pattern);
  if (pieces.length === 1) return text;
  if (pieces.length === 3 && pieces[0] === '' && pieces[2] === '') {
    const whole = WHOLE_REFERENCE.exec(byFind.get(pieces[1]!)!);
    if (whole) return whole[2] === undefined ? new Intrinsic('Ref', whole[1]!) : new Intrinsic('GetAtt', `${whole[1]}.${whole[2]}`);
  }
  // split() with one capture group: odd indexes are the sentinels found, even ones literal text.
  const literal = (piece: string) => {
    const escaped = piece.replace(/\$\{([^}]*)\}/g, (_, inner: string) => `\${!${inner}}`);
    if (escaped.replace(/\$\{![^}]*\}/g, '').includes('${')) throw new Error(`${JSON.stringify(text)} needs !Sub but holds a literal "\${" it cannot escape`);
    return escaped;
  };
  return new Intrinsic('Sub', pieces.map((piece, i) => (i % 2 === 1 ? byFind.get(piece)! : literal(piece))).join(''));
}

/** A whole rendered value (documents, names, lists). Throws when a sentinel cannot be placed. */
export function toCloudFormation(value: unknown, set: SubstitutionSet, path = '$'): CfnValue {
  if (typeof value === 'string') {
    const converted = convertString(value, set);
    checkLeftovers(converted instanceof Intrinsic ? converted.arg : converted, set, path);
    return converted;
  }
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return value;
  if (Array.isArray(value)) return value.map((v, i) => toCloudFormation(v, set, `${path}[${i}]`));
  if (typeof value === 'object') {
    const out: Record<string, CfnValue> = {};
    for (const [key, v] of Object.entries(value)) {
      if (convertString(key, set) !== key) throw new Error(`${path}: the key ${JSON.stringify(key)} holds a sentinel; CloudFormation cannot substitute keys`);
      checkLeftovers(key, set, path);
      out[key] = toCloudFormation(v, set, `${path}.${key}`);
    }
    return out;
  }
  throw new Error(`${path}: cannot write a ${typeof value} into a template`);
}

function checkLeftovers(text: string, set: SubstitutionSet, path: string): void {
  const left = set.leftovers.find((fragment) => text.includes(fragment));
  if (left !== undefined) throw new Error(`${path}: ${JSON.stringify(text)} still holds the sentinel fragment ${JSON.stringify(left)}`);
}
