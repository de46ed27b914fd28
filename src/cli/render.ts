/**
 * `partnergate render --partner-id ID [--partner-account ACCT] [--external-id X] [--feeds a,b]`
 * prints one partner's documents as one JSON object; `partnergate render --platform` prints the
 * platform-wide documents. It needs only the platform variables (no Slack, no Redis). Bad input:
 * one line on stderr naming the problem; bad configuration: one line per variable to fix; exit 2.
 */
import { randomBytes } from 'node:crypto';
import { loadPlatformConfig } from '../config.js';
import { AppError, ValidationError } from '../domain/errors.js';
import { renderPartner, renderPlatform, type PartnerSpec } from '../aws/policies/index.js';
import { exitCodeOf, parseOptions, printedHelp, UsageError, type ToolOutput } from './tool.js';

const USAGE =
  'usage: partnergate render --partner-id ID [--partner-account ACCOUNT] [--external-id X] [--feeds a,b] | --platform';

const OPTIONS = {
  'partner-id': { type: 'string' },
  'partner-account': { type: 'string' },
  'external-id': { type: 'string' },
  feeds: { type: 'string' },
  platform: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const OPTION_OF_FIELD: Record<string, string> = {
  partnerId: '--partner-id',
  accountId: '--partner-account',
  externalId: '--external-id',
  feeds: '--feeds',
};

/** 32 random bytes, base64url: 43 characters STS accepts in an ExternalId. */
export function generateExternalId(): string {
  return randomBytes(32).toString('base64url');
}

type Args = ReturnType<typeof parseOptions<typeof OPTIONS>>;

function specFrom(values: Args): PartnerSpec {
  const partnerId = values['partner-id'];
  if (partnerId === undefined) throw new UsageError('--partner-id or --platform is required');
  const account = values['partner-account']?.trim();
  const feeds = values.feeds === undefined ? [] : values.feeds.split(',').map((f) => f.trim()).filter(Boolean);
  return {
    partnerId,
    ...(account ? { accountId: account } : {}),
    externalId: values['external-id'] ?? generateExternalId(),
    sshKeys: [],
    feeds,
  };
}

function render(argv: string[], env: Record<string, string | undefined>): unknown {
  const values = parseOptions(argv, OPTIONS);
  if (values.platform) {
    const extra = (['partner-id', 'partner-account', 'external-id', 'feeds'] as const).find((o) => values[o] !== undefined);
    if (extra) throw new UsageError(`--platform takes no --${extra}`);
    return renderPlatform(loadPlatformConfig(env));
  }
  const spec = specFrom(values);
  return renderPartner(loadPlatformConfig(env), spec);
}

/** Returns the exit code: 0 printed, 2 bad arguments, input or configuration. */
export function runRender(argv: string[], env: Record<string, string | undefined>, out: ToolOutput): number {
  if (printedHelp(argv, USAGE, out)) return 0;
  try {
    out.stdout(`${JSON.stringify(render(argv, env), null, 2)}\n`);
    return 0;
  } catch (err) {
    // What the renderer refuses (a ValidationError names the field: said as the option that gave it).
    if (err instanceof AppError && !err.retryable) {
      const option = err instanceof ValidationError && err.field ? OPTION_OF_FIELD[err.field] : undefined;
      out.stderr(`partnergate render: ${option ? `${option}: ` : ''}${oneLine(err.message)}\n`);
      return 2;
    }
    return exitCodeOf(err, 'render', USAGE, out);
  }
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}
