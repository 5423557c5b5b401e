/**
 * Rates "over the last second" from cumulative counters sampled a few times per second: keeps the
 * samples of the last window and compares the newest with the oldest. Sampling cumulative totals
 * (rather than summing deltas) means a late or skipped sample never loses counts.
 */
export interface Sample<T> {
  readonly t: number;
  readonly value: T;
}

export class RateWindow<T> {
  private readonly samples: Sample<T>[] = [];

  constructor(private readonly windowMs = 1000) {}

  /** Adds a sample; returns the oldest one still inside the window (the base to compare with). */
  push(t: number, value: T): Sample<T> {
    this.samples.push({ t, value });
    // Keep one sample at or before the window's start so the window always spans a full second.
    while (this.samples.length > 2 && this.samples[1]!.t <= t - this.windowMs) this.samples.shift();
    return this.samples[0]!;
  }
}
