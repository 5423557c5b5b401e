/**
 * The page's picture of its guests: who runs where, in which state, with the latest numbers.
 * Views subscribe to its events; only the controller changes it.
 */
import type { LaunchRequest } from './controller.js';
import { Emitter } from './emitter.js';
import type { GuestInfo, GuestState, GuestStats, WorkerStats } from './worker/api.js';

/** The scheduler's states plus 'crashed': the guest's worker died. */
export type PageGuestState = GuestState | 'crashed';

export interface PageGuest {
  /** page-wide id (tabs, test ids, the automation object) */
  readonly id: number;
  readonly name: string;
  /** index of the worker (host CPU) it runs on (changes when a crashed guest is relaunched) */
  cpu: number;
  /** the worker's own id for it */
  localId: number;
  info: GuestInfo;
  /** how it was launched: a crashed guest is launched again from this */
  readonly request: LaunchRequest;
  state: PageGuestState;
  exitCode?: number;
  /** why it halted: powered off, or its kernel panicked (pvpanic) */
  haltReason?: 'poweroff' | 'panic';
  fault?: { readonly cause?: number; readonly pc: number };
  crashReason?: string;
  stats?: GuestStats;
  /** MIPS over time for the chart (seconds since page load, MIPS) */
  readonly history: { readonly t: number[]; readonly mips: number[] };
  /** output bytes received from its current worker (a migration's hand-over waits for all of the source's) */
  received: number;
  /** the last snapshot saved (Save), or the file it was restored from: "Restore from last save" brings it back */
  lastSave?: { readonly bytes: Uint8Array; readonly at: number };
  /** the latest (or current) live migration, as the tab shows it */
  migration?: MigrationFigures;
  /** console input typed while it is stopped for a migration's final copy: sent on, in order, once it runs again */
  heldInput?: Uint8Array[];
  /** the guest it was forked from (its console's text starts the fork's) */
  readonly forkedFrom?: number;
  /** its own switch for translated code (the guest panel's JIT toggle); a relaunch keeps it */
  jit: boolean;
}

/** One pre-copy round: pages sent and their bytes; the last one is the stop-and-copy. */
export interface MigrationRoundView {
  readonly round: number;
  readonly pages: number;
  readonly bytes: number;
  /** ms since the migration started, when the round was sent */
  readonly at: number;
  readonly final?: boolean;
}

/** A live migration as it happens and once it is over: what the tab shows and automation's migrate() resolves with. */
export interface MigrationFigures {
  readonly from: number;
  readonly to: number;
  phase: 'copying' | 'stopped' | 'done' | 'failed';
  readonly rounds: MigrationRoundView[];
  pages: number;
  bytes: number;
  /** start to resumed on the destination (or to the failure), ms */
  totalMs: number;
  /** the guest not running: paused on the source until resumed on the destination (both workers' clocks, ms) */
  downtimeMs?: number;
  /** the same as the page saw it: the stop request sent until the destination's reply (includes the messages) */
  stopCopyMs?: number;
  /** how long the tab waited, after the resume, for the last output the source sent (ms) */
  handoverMs?: number;
  error?: string;
}

export interface WorkerView {
  readonly index: number;
  stats?: WorkerStats;
  crashed?: string;
}

export type ModelEvents = {
  added: PageGuest;
  removed: PageGuest;
  /** state, exit code, crash */
  changed: PageGuest;
  stats: PageGuest;
  /** a crashed guest was launched again (on a new worker, with a new region) */
  relaunched: PageGuest;
  output: { readonly guest: PageGuest; readonly bytes: Uint8Array };
  /** a migration moved on (a round, the stop, the end, a failure) */
  migration: PageGuest;
  workers: readonly WorkerView[];
  /** a one-line notice from a worker (e.g. translation not allowed here), once per key */
  notice: { readonly key: string; readonly message: string };
};

/** Chart history kept per guest: two minutes at four samples a second. */
export const HISTORY_POINTS = 480;

export class Model extends Emitter<ModelEvents> {
  readonly guests = new Map<number, PageGuest>();
  readonly workers: WorkerView[] = [];
  /** notices shown so far, by key (each is shown once, whichever worker sends it) */
  readonly notices = new Map<string, string>();

  /** The live guest a worker calls `localId` (a restarted worker numbers its guests from 1 again). */
  byLocal(cpu: number, localId: number): PageGuest | undefined {
    for (const g of this.guests.values()) if (g.cpu === cpu && g.localId === localId && g.state !== 'crashed') return g;
    return undefined;
  }

  get(id: number): PageGuest {
    const g = this.guests.get(id);
    if (!g) throw new Error(`no guest ${id}`);
    return g;
  }
}
