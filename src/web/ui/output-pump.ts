/**
 * Feeds the consoles' output into xterm a frame at a time. xterm parses each write() in one go
 * and checks its own 12 ms time box only between writes, so a 128 KiB batch from a flooding guest
 * would block the page for a long task. Here every console hands xterm at most its share of
 * BYTES_PER_FRAME per animation frame: consoles with little to write (an echo, a prompt) go first
 * and get all of theirs, the flooding one gets what is left. Output that is not written yet is
 * not acknowledged, so the worker's backpressure holds the flooding guest back.
 *
 * A hidden page gets no animation frames; a timer keeps the consoles going there, more slowly.
 */

/** A console with output waiting. */
export interface PumpTarget {
  /** bytes waiting to be handed to xterm */
  readonly queued: number;
  /** hands xterm up to `max` bytes; returns how many */
  pump(max: number): number;
}

/** What xterm parses per frame across all consoles: ~1-2 ms of parsing, ~2 MB/s of flood. */
export const BYTES_PER_FRAME = 32 * 1024;
/** Also run when no animation frame comes (a background tab) within this many ms. */
const FALLBACK_MS = 100;

export class OutputPump {
  private readonly waiting = new Set<PumpTarget>();
  private raf: number | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly bytesPerFrame = BYTES_PER_FRAME) {}

  /** `target` has output queued: it gets written on the next frame. */
  request(target: PumpTarget): void {
    this.waiting.add(target);
    this.schedule();
  }

  forget(target: PumpTarget): void {
    this.waiting.delete(target);
  }

  private schedule(): void {
    if (this.raf !== undefined) return;
    this.raf = requestAnimationFrame(() => this.run());
    this.timer = setTimeout(() => this.run(), FALLBACK_MS);
  }

  private run(): void {
    if (this.raf !== undefined) cancelAnimationFrame(this.raf);
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.raf = undefined;
    this.timer = undefined;
    // Smallest first, each taking an equal share of what is left: short outputs are written whole.
    const list = [...this.waiting].sort((a, b) => a.queued - b.queued);
    this.waiting.clear();
    let budget = this.bytesPerFrame;
    for (let i = 0; i < list.length; i++) {
      const t = list[i]!;
      const share = Math.max(1024, Math.floor(budget / (list.length - i)));
      budget = Math.max(0, budget - t.pump(share));
      if (t.queued > 0) this.waiting.add(t);
    }
    if (this.waiting.size > 0) this.schedule();
  }
}
