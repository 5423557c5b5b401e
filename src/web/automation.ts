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
 *   minivisor.killWorker(0)                    // terminate host CPU 0: its guests turn 'crashed'
 *   await minivisor.restartWorker(0)           // a new worker in its place; its guests boot again
 *
 * launch() rejects with the loader's message for a refused image (and the page shows it).
 */
import { findEntry, catalogue } from './catalogue.js';
import type { Controller } from './controller.js';
import { requestForEntry, requestForFile, type LaunchOptions } from './launch-options.js';
import type { Model, PageGuestState } from './model.js';
import type { App } from './ui/app.js';
import type { GuestStats, StepResult } from './worker/api.js';
import type { Teaching } from './labs/teaching.js';

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
  select(id: number | 'host'): void;
  killWorker(index: number): void;
  restartWorker(index: number): Promise<void>;
  console(id: number): ConsoleInfo;
  workers(): { index: number; load: number; memoryBytes: number; crashed?: string }[];
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
    select: (id) => app.select(String(id)),
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
      return { cols: c.term.cols, rows: c.term.rows, following: c.following, screen, queued: c.queued, maxWrite: c.maxWrite, written: c.written };
    },
    workers: () => model.workers.map((w) => ({ index: w.index, load: w.stats?.load ?? 0, memoryBytes: w.stats?.memoryBytes ?? 0, ...(w.crashed ? { crashed: w.crashed } : {}) })),
  };
}
