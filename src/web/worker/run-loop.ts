/**
 * The worker's CPU loop: time-boxed scheduler slices with a return to the event loop between
 * them, so that RPCs (input, pause, ...) are answered within one slice; and real sleep when no
 * guest can run, until the earliest guest timer or until {@link RunLoop.wake} is called.
 *
 * The yield uses a MessageChannel rather than setTimeout(0): nested timeouts are clamped to 4 ms,
 * which would halve the guests' share of the CPU.
 */
import type { RunReport } from '../../index.js';

export class RunLoop {
  private readonly channel = new MessageChannel();
  private immediatePending = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Milliseconds spent inside slices since start: the worker's load is its rate. */
  busyMs = 0;

  constructor(
    private readonly slice: () => RunReport,
    private readonly now: () => number = () => performance.now(),
    /** Runs after every slice (the outbox sends what the slice produced). */
    private readonly afterSlice: () => void = () => {},
  ) {
    this.channel.port1.onmessage = () => {
      this.immediatePending = false;
      this.tick();
    };
  }

  /** Something may have become runnable (new guest, input, resume, acknowledged output). */
  wake(): void {
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
    const report = this.slice();
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
