/**
 * `window.minivisor`: the page's automation object, for Playwright tests and other tools. It
 * drives the same controller as the buttons, so a test exercises what a learner clicks.
 *
 *   await minivisor.ready                      // host CPUs started and ?launch= guests launched
 *   const id = await minivisor.launch('echo')  // a catalogue guest; or { name, bytes, options }
 *   await minivisor.type(id, 'hi\r')           // console input, sent as UTF-8 bytes as given
 *   minivisor.text(id)                         // the console's text, from xterm's buffer
 *   minivisor.guests()                         // [{ id, name, state, worker }]
 *   minivisor.stats(id)                        // latest numbers: mips, instructions, exits, ...
 *   await minivisor.step(id)                   // pause + one instruction: { next: { pc, word, text } }
 *   await minivisor.setJit(id, false)          // its JIT switch off (the panel's JIT toggle); stats(id).translated → 0
 *   minivisor.killWorker(0)                    // terminate host CPU 0: its guests turn 'crashed'
 *   await minivisor.restartWorker(0)           // a new worker in its place; its guests boot again
 *   const b64 = await minivisor.save(id)       // the guest's .mvsnap bytes, base64
 *   const copy = await minivisor.restore(b64)  // in a new tab (bytes: base64, array, Uint8Array)
 *   const f = await minivisor.fork(id)         // copy-on-write fork in a new tab
 *   await minivisor.migrate(id, 1)             // live migration to host CPU 1: { rounds, downtimeMs, ... }
 *   await minivisor.launch({ name: 'linux', options: { net: 'lan' } })   // plugged into the switch
 *   minivisor.network()                        // every port: MAC, IPv4, segment, rates, drops
 *   minivisor.setSegment(id, 'red')            // as the Network view's move button does
 *   minivisor.packets(id)                      // the port's latest frames, decoded
 *   minivisor.pcap()                           // the switch's capture, base64 libpcap
 *
 * launch() rejects with the loader's message for a refused image (and the page shows it).
 */
import { findEntry, catalogue } from './catalogue.js';
import type { Controller, MigrateOptions } from './controller.js';
import { requestForEntry, requestForFile, type LaunchOptions } from './launch-options.js';
import type { MigrationFigures, Model, PageGuestState } from './model.js';
import type { App } from './ui/app.js';
import type { GuestStats, StepResult, WorkerJitStats } from './worker/api.js';
import type { Teaching } from './labs/teaching.js';
import type { NetworkPortView, PacketRecord } from './network.js';

export interface LaunchSpec {
  readonly name: string;
  /** an image of one's own (a plain array survives Playwright's serialisation); else the catalogue entry `name` */
  readonly bytes?: Uint8Array | ArrayBuffer | readonly number[];
  readonly options?: LaunchOptions;
}

export interface GuestSummary {
  readonly id: number;
  readonly name: string;
  readonly state: PageGuestState;
  readonly worker: number;
  readonly crashReason?: string;
  /** the kernel command line it was launched with, if any */
  readonly bootargs?: string;
}

/** A console's terminal as the learner sees it. */
export interface ConsoleInfo {
  readonly cols: number;
  readonly rows: number;
  /** shows the latest output (not scrolled back) */
  readonly following: boolean;
  /** the lines on screen, top to bottom */
  readonly screen: string[];
  /** output bytes waiting for their frame */
  readonly queued: number;
  /** the largest single write handed to xterm so far, and the bytes written in all */
  readonly maxWrite: number;
  readonly written: number;
  /** bytes a hidden console dropped from its parked output (more than its scrollback holds) and not yet marked as skipped */
  readonly skipped: number;
}

export interface MinivisorAutomation {
  readonly ready: Promise<void>;
  catalogue(): string[];
  launch(spec: string | LaunchSpec): Promise<number>;
  guests(): GuestSummary[];
  type(id: number, text: string): Promise<number>;
  text(id: number): string;
  stats(id: number): (GuestStats & { readonly pageState: PageGuestState }) | undefined;
  pause(id: number): Promise<void>;
  resume(id: number): Promise<void>;
  step(id: number): Promise<StepResult>;
  reset(id: number): Promise<void>;
  destroy(id: number): Promise<void>;
  setWeight(id: number, weight: number): Promise<void>;
  /** The guest's own JIT switch, as its panel's JIT toggle sets it. */
  setJit(id: number, on: boolean): Promise<void>;
  /** Whether the guest's JIT switch is on (the page's view). */
  jit(id: number): boolean;
  /** The notices shown (e.g. translation not allowed here), by key. */
  notices(): Record<string, string>;
  select(id: number | 'host' | 'network'): void;
  /** The switch's ports (one per guest on the network). */
  network(): NetworkPortView[];
  /** Moves a guest's port to another segment. */
  setSegment(id: number, segment: string): void;
  /** A port's latest frames, decoded (time, direction, MACs, IPs, protocol, length, summary). */
  packets(id: number): PacketRecord[];
  /** The switch's capture as a libpcap file, base64 (what "Download .pcap" saves). */
  pcap(): Promise<string>;
  killWorker(index: number): void;
  restartWorker(index: number): Promise<void>;
  console(id: number): ConsoleInfo;
  /** Each host CPU: load, Wasm memory, and its JIT's counters (translations, invalidations, compile ms, cache bytes, available). */
  workers(): { index: number; load: number; memoryBytes: number; jit?: WorkerJitStats; crashed?: string }[];
  /** The guest's `.mvsnap` bytes as base64 (kept as its last save, as the Save button does, without the download). */
  save(id: number): Promise<string>;
  /** A snapshot (base64, a plain array of numbers, Uint8Array or ArrayBuffer) in a new tab; rejects with the SnapshotError's message (the banner shows it). */
  restore(bytes: string | Uint8Array | ArrayBuffer | readonly number[], name?: string): Promise<number>;
  /** A copy-on-write fork in a new tab; resolves with its id. */
  fork(id: number): Promise<number>;
  /** Live pre-copy migration to host CPU `worker`; resolves with the figures, rejects (the guest runs on at its source) with the reason. */
  migrate(id: number, worker: number, options?: MigrateOptions): Promise<MigrationFigures>;
  /** The latest migration's figures (also while it runs). */
  migration(id: number): MigrationFigures | undefined;
  /** A crashed guest back from its last save. */
  restoreSave(id: number): Promise<void>;
  /** labs, glossary and the Machine panels (src/web/labs/teaching.ts); set by main.ts */
  teaching?: Teaching;
}

declare global {
  interface Window {
    minivisor: MinivisorAutomation;
  }
}

export function createAutomation(model: Model, controller: Controller, app: App, ready: Promise<void>): MinivisorAutomation {
  const encoder = new TextEncoder();
  return {
    ready,
    catalogue: () => catalogue.map((e) => e.name),
    async launch(spec) {
      const s: LaunchSpec = typeof spec === 'string' ? { name: spec } : spec;
      if (s.bytes !== undefined) {
        const bytes = s.bytes instanceof Uint8Array ? s.bytes : s.bytes instanceof ArrayBuffer ? new Uint8Array(s.bytes) : Uint8Array.from(s.bytes);
        return (await app.launch(requestForFile(s.name, bytes, s.options), true)).id;
      }
      const entry = findEntry(s.name);
      if (!entry) throw new Error(`no guest '${s.name}' in the catalogue (${catalogue.map((e) => e.name).join(', ')})`);
      return (await app.launch(requestForEntry(entry, s.options), true)).id;
    },
    guests: () =>
      [...model.guests.values()].map((g) => ({
        id: g.id,
        name: g.name,
        state: g.state,
        worker: g.cpu,
        ...(g.crashReason ? { crashReason: g.crashReason } : {}),
        ...(g.request.bootargs !== undefined ? { bootargs: g.request.bootargs } : {}),
      })),
    type: (id, text) => controller.input(id, encoder.encode(text)),
    text(id) {
      const panel = app.panels.get(id);
      if (!panel) throw new Error(`no guest ${id}`);
      return panel.console.text();
    },
    stats(id) {
      const g = model.get(id);
      return g.stats ? { ...g.stats, pageState: g.state } : undefined;
    },
    pause: (id) => controller.pause(id),
    resume: (id) => controller.resume(id),
    async step(id) {
      const r = await controller.step(id);
      app.panels.get(id)?.showStep(r);
      return r;
    },
    async reset(id) {
      const panel = app.panels.get(id);
      if (!panel) throw new Error(`no guest ${id}`);
      await panel.reset();
    },
    destroy: (id) => controller.destroy(id),
    setWeight: (id, w) => controller.setWeight(id, w),
    setJit: async (id, on) => {
      await controller.setJit(id, on);
    },
    jit: (id) => model.get(id).jit,
    notices: () => Object.fromEntries(model.notices),
    select: (id) => app.select(String(id)),
    network: () => controller.network.ports(),
    setSegment: (id, segment) => controller.network.setSegment(id, segment),
    packets: (id) => [...controller.network.packets(id)],
    pcap: async () => toBase64(await controller.network.pcap()),
    killWorker: (index) => controller.killWorker(index),
    async restartWorker(index) {
      await controller.restartWorker(index);
    },
    console(id) {
      const panel = app.panels.get(id);
      if (!panel) throw new Error(`no guest ${id}`);
      const c = panel.console;
      const buf = c.term.buffer.active;
      const screen: string[] = [];
      for (let i = 0; i < c.term.rows; i++) screen.push(buf.getLine(buf.viewportY + i)?.translateToString(true) ?? '');
      return { cols: c.term.cols, rows: c.term.rows, following: c.following, screen, queued: c.queued, maxWrite: c.maxWrite, written: c.written, skipped: c.skipped };
    },
    async save(id) {
      return toBase64(await app.save(id, false));
    },
    async restore(bytes, name) {
      return (await app.restore(fromAny(bytes), name)).id;
    },
    fork: async (id) => (await app.fork(id)).id,
    migrate: async (id, worker, options) => structuredClone(await app.migrate(id, worker, options)),
    migration: (id) => {
      const m = model.get(id).migration;
      return m ? structuredClone(m) : undefined;
    },
    restoreSave: (id) => app.restoreSave(id),
    workers: () => model.workers.map((w) => ({ index: w.index, load: w.stats?.load ?? 0, memoryBytes: w.stats?.memoryBytes ?? 0, ...(w.stats?.jit ? { jit: { ...w.stats.jit } } : {}), ...(w.crashed ? { crashed: w.crashed } : {}) })),
  };
}

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromAny(x: string | Uint8Array | ArrayBuffer | readonly number[]): Uint8Array {
  if (typeof x === 'string') return Uint8Array.from(atob(x), (c) => c.charCodeAt(0));
  if (x instanceof Uint8Array) return x;
  if (x instanceof ArrayBuffer) return new Uint8Array(x);
  return Uint8Array.from(x);
}
