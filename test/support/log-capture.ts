/**
 * A pino destination that keeps every line the process logs, parsed, so a test can assert that
 * something was logged (and wait for a line written after the HTTP answer) without reading stdout.
 */
import { EventEmitter } from 'node:events';
import { createLogger, type Logger } from '../../src/logger.js';

export type LogLine = Record<string, unknown> & { level: string; msg?: string };

export interface LogCapture {
  logger: Logger;
  readonly lines: readonly LogLine[];
  /** Resolves with the first line at index `from` or later that matches; rejects after timeoutMs. */
  waitFor(predicate: (line: LogLine) => boolean, from?: number, timeoutMs?: number): Promise<LogLine>;
}

export function captureLogs(level = 'info'): LogCapture {
  const lines: LogLine[] = [];
  const events = new EventEmitter();
  events.setMaxListeners(0);
  const logger = createLogger(level, {
    write(chunk: string) {
      for (const text of chunk.split('\n')) {
        if (text.trim() === '') continue;
        const line = JSON.parse(text) as LogLine;
        lines.push(line);
        events.emit('line', line, lines.length - 1);
      }
    },
  });
  return {
    logger,
    lines,
    waitFor(predicate, from = 0, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const found = lines.slice(from).find(predicate);
        if (found) return resolve(found);
        const onLine = (line: LogLine, index: number) => {
          if (index < from || !predicate(line)) return;
          clearTimeout(timer);
          events.off('line', onLine);
          resolve(line);
        };
        const timer = setTimeout(() => {
          events.off('line', onLine);
          const seen = lines.slice(from).map((l) => l.msg).join(' | ');
          reject(new Error(`no matching log line within ${timeoutMs} ms; logged since: ${seen}`));
        }, timeoutMs);
        events.on('line', onLine);
      });
    },
  };
}
