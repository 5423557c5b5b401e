/**
 * Live migration by pre-copy (docs/snapshots.md): a guest's pages are copied to another
 * instance while it keeps running, the pages it dirtied meanwhile are copied again in rounds,
 * then it stops for a final copy of the rest and of its CPU and device state, and the copy
 * resumes on the destination. The two ends exchange plain, transferable values (PageBatch and
 * the final state bytes), so the same code runs with both ends in one thread (tests, bench) or
 * in two Web Workers (the page).
 */
import type { Guest, Hypervisor } from '../core/hypervisor.js';
import { applySnapshot, captureState, checkCompatible, createFor, readSnapshot, type Snapshot } from './snapshot.js';
import { SnapshotError } from './format.js';

const PAGE_BYTES = 4096;

/** Pages on their way: their numbers and their bytes (4096 each, in the same order). */
export interface PageBatch {
  readonly pages: Uint32Array;
  readonly data: Uint8Array;
}

export interface MigrationRound {
  readonly round: number;
  readonly pages: number;
  readonly bytes: number;
}

export interface MigrationOptions {
  /** stop and copy once a round has at most this many dirty pages (default 64) */
  readonly stopBelow?: number;
  /** stop and copy after this many rounds whatever is left, so that a guest dirtying memory faster than it is copied still moves (default 8) */
  readonly maxRounds?: number;
}

function batch(guest: Guest, pages: readonly number[]): PageBatch {
  const data = new Uint8Array(pages.length * PAGE_BYTES);
  pages.forEach((p, i) => data.set(guest.pageView(p), i * PAGE_BYTES));
  return { pages: Uint32Array.from(pages), data };
}

/** The sending end: call firstRound, then nextRound while it says so, then finish (guest paused). */
export class MigrationSource {
  private round = 0;
  readonly rounds: MigrationRound[] = [];
  private readonly stopBelow: number;
  private readonly maxRounds: number;

  constructor(
    readonly guest: Guest,
    options: MigrationOptions = {},
  ) {
    this.stopBelow = options.stopBelow ?? 64;
    this.maxRounds = options.maxRounds ?? 8;
  }

  private record(b: PageBatch): PageBatch {
    this.rounds.push({ round: this.round++, pages: b.pages.length, bytes: b.data.length });
    return b;
  }

  /** Round 0: every non-zero page (the destination's RAM starts zeroed); dirty tracking starts. */
  firstRound(): PageBatch {
    this.guest.takeDirtyPages();
    const pages: number[] = [];
    const n = this.guest.ramBytes / PAGE_BYTES;
    for (let p = 0; p < n; p++) if (!this.guest.pageIsZero(p)) pages.push(p);
    return this.record(batch(this.guest, pages));
  }

  /** The pages dirtied since the last round, or undefined when it is time to stop and copy. */
  nextRound(): PageBatch | undefined {
    if (this.round >= this.maxRounds) return undefined;
    const dirty = this.guest.takeDirtyPages();
    if (dirty.length <= this.stopBelow) {
      this.pendingFinal = dirty;
      return undefined;
    }
    return this.record(batch(this.guest, dirty));
  }

  private pendingFinal: number[] | undefined;

  /**
   * Stop and copy: the caller has stopped running the guest. Returns the last dirty pages and the
   * CPU, device and console state; the source guest is left as it is (destroy it once the
   * destination confirms, or resume it if the destination failed). `boot: false` leaves the boot
   * image out of the state (the caller has sent `guest.bootRecord` ahead and adopts it there).
   */
  async finish(options: { readonly boot?: boolean } = {}): Promise<{ pages: PageBatch; state: Uint8Array }> {
    const dirty = [...new Set([...(this.pendingFinal ?? []), ...this.guest.takeDirtyPages()])].sort((a, b) => a - b);
    this.pendingFinal = undefined;
    const pages = this.record(batch(this.guest, dirty));
    return { pages, state: await captureState(this.guest, options) };
  }
}

/**
 * The receiving end: a guest created at once (so that its RAM is reserved before the first page
 * arrives), whose pages are written as they come, and which gets its CPU and device state last.
 */
export class MigrationTarget {
  private received = 0;
  private done = false;
  /** the guest being filled; it must not run before finish() */
  readonly guest: Guest;

  /** Throws SnapshotError('no-room') when this instance cannot give the RAM. */
  constructor(
    readonly hypervisor: Hypervisor,
    readonly ramBytes: number,
  ) {
    this.guest = createFor(hypervisor, ramBytes);
  }

  /** Writes the pages into the guest's RAM (a later round overwrites an earlier one). */
  receive(b: PageBatch): void {
    if (this.done) throw new SnapshotError('corrupted', 'migration pages after the end of the migration');
    if (b.data.length !== b.pages.length * PAGE_BYTES) {
      throw new SnapshotError('corrupted', `a migration batch of ${b.pages.length} pages carries ${b.data.length} bytes`);
    }
    const max = this.ramBytes / PAGE_BYTES;
    const ram = this.guest.ram();
    b.pages.forEach((p, i) => {
      if (p >= max) throw new SnapshotError('corrupted', `migration page ${p} is outside the guest's ${max} pages`);
      ram.set(b.data.subarray(i * PAGE_BYTES, (i + 1) * PAGE_BYTES), p * PAGE_BYTES);
    });
    this.received += b.pages.length;
  }

  /** Pages received in all rounds (a page sent twice counts twice). */
  get pagesReceived(): number {
    return this.received;
  }

  /** The final state: the guest is complete and may run. Throws SnapshotError (then call abort()). */
  async finish(state: Uint8Array | Snapshot): Promise<Guest> {
    const snap = state instanceof Uint8Array ? await readSnapshot(state) : state;
    checkCompatible(this.hypervisor, snap);
    applySnapshot(this.guest, snap, false);
    this.done = true;
    return this.guest;
  }

  /** The migration failed (the source keeps running): free the half-filled guest. */
  abort(): void {
    this.done = true;
    this.guest.destroy();
  }
}
