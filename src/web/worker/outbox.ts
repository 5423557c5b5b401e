/**
 * Batches what the worker tells the page: console output is gathered per guest and sent, with
 * state changes and stats, in one message every `flushMs`. A guest printing a byte at a time
 * therefore costs the page ~60 messages a second at most, not one per byte.
 */
import type { EventSink, WorkerEvent } from './api.js';

export class Outbox {
  private readonly output = new Map<number, Uint8Array[]>();
  private others: WorkerEvent[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private sink: EventSink | undefined;

  constructor(private readonly flushMs = 16) {}

  connect(sink: EventSink): void {
    this.sink = sink;
    this.schedule();
  }

  addOutput(id: number, bytes: Uint8Array): void {
    const list = this.output.get(id);
    if (list) list.push(bytes);
    else this.output.set(id, [bytes]);
    this.schedule();
  }

  add(event: WorkerEvent): void {
    this.others.push(event);
    this.schedule();
  }

  /** Drops undelivered output of a destroyed guest. */
  forget(id: number): void {
    this.output.delete(id);
  }

  private schedule(): void {
    if (this.timer === undefined && this.sink) this.timer = setTimeout(() => this.flush(), this.flushMs);
  }

  private flush(): void {
    this.timer = undefined;
    const sink = this.sink;
    if (!sink) return;
    // Output first: a guest's last words arrive before the state change that says it halted.
    const events: WorkerEvent[] = [];
    for (const [id, chunks] of this.output) events.push({ type: 'output', id, bytes: concat(chunks) });
    this.output.clear();
    events.push(...this.others);
    this.others = [];
    if (events.length > 0) sink(events);
  }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  let n = 0;
  for (const c of chunks) n += c.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
