/**
 * The worker's CPU loop: time-boxed scheduler slices with a return to the event loop between
 * them, so that RPCs (input, pause, ...) are answered within one slice; and real sleep when no
 * guest can run, until the earliest guest timer or until {@link RunLoop.wake} is called.
 *
 * The yield uses a MessageChannel rather than setTimeout(0): nested timeouts are clamped to 4 ms,
 * which would halve the guests' share of the CPU.
 *
 * A key is answered before the slice goes on: {@link RunLoop.wake} with `interactive` makes the
 * next slice the shortest one (budget 0: the scheduler runs the guest the key woke, one turn,
 * and stops), so that its echo leaves with the slice's output (the outbox is told to send it at
 * once) instead of waiting for the other guests' turns of a whole slice.
 */
import type { RunReport } from '../../index.js';

export class RunLoop {
  private readonly channel = new MessageChannel();
  private immediatePending = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** the next slice is an interactive one (budget 0) */
  private interactive = false;
  /** Milliseconds spent inside slices since start: the worker's load is its rate. */
  busyMs = 0;

  constructor(
    /** runs one slice: the caller's own budget when `budgetMs` is undefined, else that budget */
    private readonly slice: (budgetMs?: number) => RunReport,
    private readonly now: () => number = () => performance.now(),
    /** Runs after every slice (the outbox sends what the slice produced). */
    private readonly afterSlice: () => void = () => {},
  ) {
    this.channel.port1.onmessage = () => {
      this.immediatePending = false;
      this.tick();
    };
  }

  /**
   * Something may have become runnable (new guest, input, resume, acknowledged output).
   * `interactive` (input): the next slice is a short one, for the guest the input woke.
   */
  wake(interactive = false): void {
    if (interactive) this.interactive = true;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.runSoon();
  }

  private runSoon(): void {
    if (this.immediatePending) return;
    this.immediatePending = true;
    this.channel.port2.postMessage(0);
  }

  private tick(): void {
    const t0 = this.now();
    const interactive = this.interactive;
    this.interactive = false;
    const report = interactive ? this.slice(0) : this.slice();
    if (report.ran) this.busyMs += this.now() - t0;
    this.afterSlice();
    if (report.busy) {
      this.runSoon();
    } else if (Number.isFinite(report.nextWakeAt)) {
      // Every guest waits for an interrupt: sleep until the first timer is due.
      const delay = Math.max(0, report.nextWakeAt - this.now());
      if (this.timer !== undefined) clearTimeout(this.timer);
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.runSoon();
      }, delay);
    }
    // Otherwise nothing will run by itself: wait for wake().
  }
}
