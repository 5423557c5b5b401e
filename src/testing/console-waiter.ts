/**
 * A guest's console as a test sees it: everything it printed so far, and promises that resolve
 * when a pattern shows up. Shared by the Node API (node.ts) and the Playwright fixture.
 */

export type Pattern = string | RegExp;

interface Waiter {
  pattern: Pattern;
  from: number;
  resolve: (match: RegExpMatchArray) => void;
}

export function findPattern(text: string, pattern: Pattern, from = 0): RegExpMatchArray | null {
  if (typeof pattern === 'string') {
    const at = text.indexOf(pattern, from);
    if (at < 0) return null;
    const m = [pattern] as unknown as RegExpMatchArray;
    m.index = at;
    m.input = text;
    return m;
  }
  const re = new RegExp(pattern.source, pattern.flags.replace('g', ''));
  const m = re.exec(text.slice(from));
  if (m) m.index = (m.index ?? 0) + from;
  return m;
}

export function describePattern(pattern: Pattern): string {
  return typeof pattern === 'string' ? JSON.stringify(pattern) : String(pattern);
}

/** The last n lines of a transcript, for error messages. */
export function lastLines(text: string, n = 12): string {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines.slice(-n).map((l) => `  | ${l}`).join('\n');
}

export class ConsoleTranscript {
  private chunks: string[] = [];
  private cached = '';
  private dirty = false;
  private readonly waiters = new Set<Waiter>();
  private readonly decoder = new TextDecoder('utf-8');

  append(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.chunks.push(this.decoder.decode(bytes, { stream: true }));
    this.dirty = true;
    this.check();
  }

  text(): string {
    if (this.dirty) {
      this.cached += this.chunks.join('');
      this.chunks = [];
      this.dirty = false;
    }
    return this.cached;
  }

  /** Resolves with the first match of pattern at or after offset `from` of the transcript. */
  wait(pattern: Pattern, from: number): { promise: Promise<RegExpMatchArray>; cancel: () => void } {
    let waiter!: Waiter;
    const promise = new Promise<RegExpMatchArray>((resolve) => {
      waiter = { pattern, from, resolve };
    });
    const now = findPattern(this.text(), pattern, from);
    if (now) waiter.resolve(now);
    else this.waiters.add(waiter);
    return { promise, cancel: () => this.waiters.delete(waiter) };
  }

  private check(): void {
    if (this.waiters.size === 0) return;
    const text = this.text();
    for (const w of [...this.waiters]) {
      const m = findPattern(text, w.pattern, w.from);
      if (m) {
        this.waiters.delete(w);
        w.resolve(m);
      }
    }
  }
}
