/**
 * Prints what a Slack workspace would show, from the Web API calls the bot made: channel
 * messages with their threads, updates applied in place, ephemeral answers marked as such, and
 * each person's DMs.
 */
export interface RecordedCall {
  method: string;
  body: Record<string, unknown>;
  answer?: Record<string, unknown>;
  ok: boolean;
}

interface Message {
  ts: string;
  channel: string;
  text: string;
  blocks: unknown[];
  replies: Message[];
  ephemeralTo?: string;
}

/** mrkdwn as a person reads it: mentions, dates and links resolved to their text. */
export function plain(text: string): string {
  return text
    .replace(/<!date\^\d+\^[^|>]*\|([^>]*)>/g, '$1')
    .replace(/<@([A-Z0-9]+)>/g, '@$1')
    .replace(/<#([A-Z0-9]+)(?:\|([^>]*))?>/g, (_, id: string, name?: string) => `#${name ?? id}`)
    .replace(/<(https?:[^|>]+)\|([^>]+)>/g, '$2 ($1)')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

type Obj = Record<string, unknown>;
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const textOf = (t: unknown): string => plain(str((t as Obj | undefined)?.['text']));

/** A button as `[Approve]`, a select as `[its choice or placeholder ▾]`. */
function elementText(element: unknown): string {
  const e = element as Obj;
  if (String(e['type']).endsWith('_select')) return `[${textOf((e['initial_option'] as Obj | undefined)?.['text'] ?? e['placeholder'])} ▾]`;
  return `[${textOf(e['text'])}]`;
}

export function blockLines(block: unknown): string[] {
  const b = block as Obj;
  switch (b['type']) {
    case 'header':
      return [`*${textOf(b['text'])}*`];
    case 'section': {
      const lines = b['text'] ? textOf(b['text']).split('\n') : [];
      const fields = (b['fields'] as unknown[] | undefined) ?? [];
      for (const f of fields) lines.push(textOf(f).replace('\n', ': '));
      if (b['accessory']) lines.push(elementText(b['accessory']));
      return lines;
    }
    case 'context':
      return [((b['elements'] as unknown[] | undefined) ?? []).map((e) => textOf(e)).join(' ')];
    case 'actions':
      return [((b['elements'] as unknown[] | undefined) ?? []).map(elementText).join(' ')];
    case 'divider':
      return ['────────'];
    default:
      return [];
  }
}

function messageLines(m: Message): string[] {
  const body = m.blocks.length > 0 ? m.blocks.flatMap(blockLines) : plain(m.text).split('\n');
  return m.ephemeralTo ? [`(only visible to @${m.ephemeralTo})`, ...body] : body;
}

/** Replays the calls into channels of messages with threads. */
export function buildChannels(calls: RecordedCall[]): Map<string, Message[]> {
  const channels = new Map<string, Message[]>();
  const byTs = new Map<string, Message>();
  const channel = (id: string) => {
    if (!channels.has(id)) channels.set(id, []);
    return channels.get(id)!;
  };
  let ephemeralSeq = 0;
  for (const call of calls) {
    if (!call.ok) continue;
    const b = call.body;
    if (call.method === 'chat.postMessage' || call.method === 'chat.postEphemeral') {
      const ts = call.method === 'chat.postMessage' ? str(call.answer?.['ts']) : `ephemeral-${++ephemeralSeq}`;
      const m: Message = {
        ts, channel: str(b['channel']), text: str(b['text']), blocks: (b['blocks'] as unknown[] | undefined) ?? [], replies: [],
        ...(call.method === 'chat.postEphemeral' ? { ephemeralTo: str(b['user']) } : {}),
      };
      byTs.set(ts, m);
      const parent = b['thread_ts'] ? byTs.get(str(b['thread_ts'])) : undefined;
      if (parent) parent.replies.push(m);
      else channel(m.channel).push(m);
    } else if (call.method === 'chat.update') {
      const m = byTs.get(str(b['ts']));
      if (m) {
        m.text = str(b['text']);
        m.blocks = (b['blocks'] as unknown[] | undefined) ?? [];
      }
    }
  }
  return channels;
}

export function renderThreads(calls: RecordedCall[]): string {
  const out: string[] = [];
  for (const [id, messages] of buildChannels(calls)) {
    // A post to a user id is a DM (the welcome, the requester's news).
    out.push(/^[UW][A-Z0-9]+$/.test(id) ? `━━━━ DM to @${id} ━━━━` : `━━━━ #${id} ━━━━`);
    for (const m of messages) {
      out.push(...messageLines(m).map((l, i) => (i === 0 ? `● ${l}` : `  ${l}`)));
      for (const r of m.replies) out.push(...messageLines(r).map((l, i) => (i === 0 ? `  ↳ ${l}` : `    ${l}`)));
      out.push('');
    }
  }
  return out.join('\n');
}

/** A published App Home as its person sees it in the Home tab. */
export function renderHome(user: string, view: unknown): string {
  const blocks = ((view as Obj | undefined)?.['blocks'] as unknown[] | undefined) ?? [];
  return [`━━━━ Home tab of @${user} ━━━━`, ...blocks.flatMap(blockLines)].join('\n');
}
