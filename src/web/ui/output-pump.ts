/**
 * Feeds the consoles' output into xterm a frame at a time. xterm parses each write() in one go
 * and checks its own 12 ms time box only between writes, so a 128 KiB batch from a flooding guest
 * would block the page for a long task. Here the consoles share a byte budget per frame:
 * consoles with little to write (an echo, a prompt) go first and get all of theirs, consoles with
 * a backlog (a flood) share what is left, and only every BULK_EVERY frames, so that a terminal
 * that scrolls all the time is re-rendered 20 times a second rather than 60. Output that is not
 * written yet is not acknowledged, so the worker's backpressure holds a flooding guest back.
 *
 * The budget adapts to the page: a late frame halves the bulk bytes and feeds bulk output more
 * rarely (a scrolling terminal costs a full re-render per fed frame, whatever the bytes); on-time
 * frames win both back slowly. A busy machine therefore gets a slower flood, not a stuck page.
 * A hidden page gets no animation frames; a timer keeps the consoles going there, more slowly.
 * A console out of sight in a visible page parks its backlog (console-view.ts): the pump skips
 * it until it asks again.
 */

/** A console with output waiting. */
export interface PumpTarget {
  /** bytes waiting to be handed to xterm */
  readonly queued: number;
  /** hands xterm up to `max` bytes; returns how many */
  pump(max: number): number;
  /** true while it keeps its output to itself (a console out of sight): the pump drops it until it asks again */
  readonly parked?: boolean;
}

/** Output at most this big is "small": written on the next frame, whole. */
export const SMALL_BYTES = 4096;
/** Bulk bytes per pump, bounds and start. */
const MIN_BULK = 4 * 1024;
const MAX_BULK = 64 * 1024;
const START_BULK = 32 * 1024;
/** Bulk output is fed every `every` frames, between these bounds: a flooding console is redrawn 20 times a second at most (each redraw re-creates all its rows). */
const MIN_EVERY = 3;
const MAX_EVERY = 6;
/** On-time frames in a row that bring the cadence back one step. */
const RECOVER_FRAMES = 30;
/** A frame later than this after the previous one means the page is struggling. */
const LATE_MS = 24;
/** The pace in a hidden page (no animation frames there). */
const FALLBACK_MS = 100;

export class OutputPump {
  private readonly waiting = new Set<PumpTarget>();
  private raf: number | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private frame = 0;
  private lastRun = 0;
  /** bytes of bulk output per bulk frame, and the frames between bulk frames (adaptive) */
  bulk = START_BULK;
  every = MIN_EVERY;
  private onTime = 0;

  constructor() {
    if (typeof document !== 'undefined') document.addEventListener('visibilitychange', () => this.visibilityChanged());
  }

  /** `target` has output queued: it gets written on the next frame. */
  request(target: PumpTarget): void {
    this.waiting.add(target);
    this.schedule();
  }

  forget(target: PumpTarget): void {
    this.waiting.delete(target);
  }

  private schedule(): void {
    if (this.raf !== undefined || this.timer !== undefined) return;
    // A hidden page gets no animation frames: a timer keeps its consoles going, more slowly.
    if (typeof document !== 'undefined' && document.visibilityState === 'hidden') this.timer = setTimeout(() => this.run(), FALLBACK_MS);
    else this.raf = requestAnimationFrame(() => this.run());
  }

  /** The page was hidden or shown: switch between frames and the timer. */
  private visibilityChanged(): void {
    if (this.raf === undefined && this.timer === undefined) return;
    if (this.raf !== undefined) cancelAnimationFrame(this.raf);
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.raf = undefined;
    this.timer = undefined;
    this.schedule();
  }

  private run(): void {
    if (this.raf !== undefined) cancelAnimationFrame(this.raf);
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.raf = undefined;
    this.timer = undefined;
    const now = performance.now();
    // Consecutive frames only say something about the page's pace.
    if (now - this.lastRun < 100) {
      if (now - this.lastRun > LATE_MS) {
        this.bulk = Math.max(MIN_BULK, this.bulk / 2);
        this.every = Math.min(MAX_EVERY, this.every + 1);
        this.onTime = 0;
      } else {
        this.bulk = Math.min(MAX_BULK, this.bulk + 2048);
        if (++this.onTime >= RECOVER_FRAMES) {
          this.every = Math.max(MIN_EVERY, this.every - 1);
          this.onTime = 0;
        }
      }
    }
    this.lastRun = now;
    this.frame++;
    const bulkFrame = this.frame % this.every === 0;
    // Smallest first: short outputs are written whole; the rest share the bulk budget.
    const list = [...this.waiting].sort((a, b) => a.queued - b.queued);
    this.waiting.clear();
    let budget = this.bulk;
    let bulkLeft = list.filter((t) => t.queued > SMALL_BYTES).length;
    for (const t of list) {
      if (t.parked) {
        bulkLeft -= t.queued > SMALL_BYTES ? 1 : 0;
        continue;
      }
      if (t.queued <= SMALL_BYTES) {
        t.pump(SMALL_BYTES);
      } else if (bulkFrame) {
        const share = Math.max(1024, Math.floor(budget / bulkLeft));
        budget = Math.max(0, budget - t.pump(share));
        bulkLeft--;
      }
      if (t.queued > 0) this.waiting.add(t);
    }
    if (this.waiting.size > 0) this.schedule();
  }
}
