/**
 * Stats snapshots for the page: per guest MIPS, host share and VM exits by rate over the last
 * second, and the worker's own load. The worker calls {@link StatsTracker.snapshot} a few
 * times per second; the tracker keeps the cumulative samples it needs between calls.
 */
import { EXIT_NAMES, type Guest, type ScheduledGuest } from '../../index.js';
import type { ExitRate, GuestStats, Region, WorkerJitStats, WorkerStats } from './api.js';
import { RateWindow } from './rate-window.js';

interface GuestSample {
  readonly instructions: number;
  readonly hostMs: number;
  readonly exits: readonly number[];
  /** instructions it retired in translated code (Guest.jitInstructions) */
  readonly jitInstructions: number;
}

/** What the worker knows about a guest beyond the scheduler's view. */
export interface TrackedGuest {
  readonly id: number;
  readonly sg: ScheduledGuest;
  readonly region: Region;
  readonly unacked: number;
  readonly blocked: boolean;
  /** its card, when it is on the network: frames the worker's side dropped (NicLink) and the card's own drops */
  readonly net?: { readonly linkDrops: number; readonly cardDrops: number };
  /** its own JIT switch, as the worker set it */
  readonly jit: boolean;
}

/** How many exit reasons a snapshot carries: the table shows the busiest ones. */
const MAX_EXIT_ROWS = 16;

export class StatsTracker {
  private readonly perGuest = new Map<number, RateWindow<GuestSample>>();
  private readonly busy = new RateWindow<number>();

  forget(id: number): void {
    this.perGuest.delete(id);
  }

  snapshot(now: number, busyMsTotal: number, memoryBytes: number, guests: readonly TrackedGuest[], jit: WorkerJitStats): WorkerStats {
    const base = this.busy.push(now, busyMsTotal);
    const span = now - base.t;
    const load = span > 0 ? Math.min(1, (busyMsTotal - base.value) / span) : 0;
    return { at: now, load, memoryBytes, guests: guests.map((g) => this.guestStats(now, g)), jit };
  }

  private guestStats(now: number, g: TrackedGuest): GuestStats {
    const { sg } = g;
    let win = this.perGuest.get(g.id);
    if (!win) this.perGuest.set(g.id, (win = new RateWindow<GuestSample>()));
    const exits = sg.guest.exitCounters();
    const cur: GuestSample = { instructions: sg.instructions, hostMs: sg.hostMs, exits, jitInstructions: sg.guest.jitInstructions };
    const base = win.push(now, cur);
    const seconds = (now - base.t) / 1000;
    const rated: ExitRate[] = [];
    for (let i = 0; i < exits.length; i++) {
      const count = exits[i]!;
      if (count === 0) continue;
      const rate = seconds > 0 ? (count - (base.value.exits[i] ?? 0)) / seconds : 0;
      rated.push({ name: EXIT_NAMES[i] ?? `reserved:${i}`, count, rate });
    }
    const exitsPerSecond = rated.reduce((sum, e) => sum + e.rate, 0);
    rated.sort((a, b) => b.rate - a.rate || b.count - a.count);
    const guest: Guest = sg.guest;
    const ran = sg.instructions - base.value.instructions;
    return {
      id: g.id,
      state: sg.state,
      priv: guest.priv,
      pc: guest.pc,
      instructions: sg.instructions,
      mips: seconds > 0 ? Math.max(0, sg.instructions - base.value.instructions) / seconds / 1e6 : 0,
      hostMs: sg.hostMs,
      hostShare: seconds > 0 ? Math.min(1, Math.max(0, sg.hostMs - base.value.hostMs) / (seconds * 1000)) : 0,
      weight: sg.weight,
      ...(sg.exitCode !== undefined ? { exitCode: sg.exitCode } : {}),
      ...(sg.fault ? { fault: { ...(sg.fault.cause !== undefined ? { cause: sg.fault.cause } : {}), pc: sg.fault.pc } } : {}),
      exitsPerSecond,
      exits: rated.slice(0, MAX_EXIT_ROWS),
      counters: exits,
      region: g.region,
      unacked: g.unacked,
      blocked: g.blocked,
      ...(g.net ? { net: g.net } : {}),
      jit: g.jit,
      translated: translatedShare(ran, cur.jitInstructions - base.value.jitInstructions),
    };
  }
}

/**
 * The share of a window's instructions that ran translated. A reset may restart the guest's
 * counter (a negative delta): that window counts as interpreted.
 */
export function translatedShare(instructions: number, translated: number): number {
  if (!(instructions > 0) || !(translated > 0)) return 0;
  return Math.min(1, translated / instructions);
}
