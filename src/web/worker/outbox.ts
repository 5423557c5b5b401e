/**
 * Batches what the worker tells the page: console output is gathered per guest and sent, with
 * state changes and stats, in one message at most every `minGapMs`. A guest printing a byte at a
 * time therefore costs the page ~60 messages a second at most, not one per byte.
 *
 * The first event after a quiet spell goes out at once (at the end of the current slice, through
 * {@link Outbox.flushIfDue}, or on a zero timer): a key's echo should not wait for a batching
 * timer. Only while events keep coming are they held back to one message per `minGapMs`,
 * except after input ({@link Outbox.expedite}): the next check sends whatever waits, so that a
 * key's echo does not wait for the gap behind a flooding guest's last batch.
 */
import type { EventSink, WorkerEvent } from './api.js';

export class Outbox {
  private readonly output = new Map<number, Uint8Array[]>();
  private others: WorkerEvent[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private sink: EventSink | undefined;
  private lastFlush = -Infinity;
  /** input arrived: the next flushIfDue sends at once, whatever the gap */
  private urgent = false;

  constructor(
    private readonly minGapMs = 16,
    private readonly now: () => number = () => performance.now(),
  ) {}

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

  /** Drops undelivered output of a guest (destroyed or reset); returns how many bytes were dropped. */
  forget(id: number): number {
    let n = 0;
    for (const c of this.output.get(id) ?? []) n += c.length;
    this.output.delete(id);
    return n;
  }

  /** Input arrived: what the next slice produces (an echo) goes out at its end, whatever the gap. */
  expedite(): void {
    this.urgent = true;
  }

  /** Sends now if anything waits and the last message is at least `minGapMs` old, or after input (the run loop calls it after each slice). */
  flushIfDue(): void {
    if (this.pending() && (this.urgent || this.now() - this.lastFlush >= this.minGapMs)) this.flush();
  }

  /** Sends whatever waits now, whatever the gap (a migrating guest's last output must leave before the hand-over). */
  flushNow(): void {
    if (this.pending()) this.flush();
  }

  private pending(): boolean {
    return this.output.size > 0 || this.others.length > 0;
  }

  private schedule(): void {
    if (this.timer !== undefined || !this.sink) return;
    const delay = Math.max(0, this.lastFlush + this.minGapMs - this.now());
    this.timer = setTimeout(() => this.flush(), delay);
  }

  private flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.urgent = false;
    const sink = this.sink;
    if (!sink) return;
    // Output first: a guest's last words arrive before the state change that says it halted.
    const events: WorkerEvent[] = [];
    for (const [id, chunks] of this.output) events.push({ type: 'output', id, bytes: concat(chunks) });
    this.output.clear();
    events.push(...this.others);
    this.others = [];
    if (events.length === 0) return;
    this.lastFlush = this.now();
    sink(events);
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
