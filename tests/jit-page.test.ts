// The page's worker side of the JIT (issue 16, src/web/worker): each guest's own switch at launch
// and while it runs, the translated share in its stats, the worker's JIT counters, and the one
// notice when runtime compilation is refused (a Content-Security-Policy without 'wasm-unsafe-eval'
// in the browser; here WebAssembly.Module is made to throw as it does there).

import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { Hypervisor, Scheduler } from '../src/index.js';
import { HostCpu, JIT_UNAVAILABLE_NOTICE } from '../src/web/worker/host-cpu.js';
import { StatsTracker, translatedShare } from '../src/web/worker/stats.js';
import type { GuestConfig, WorkerEvent } from '../src/web/worker/api.js';
import { guestPath } from './helpers/guests.js';

const CORE = new URL('../build/minivisor.wasm', import.meta.url).pathname;
const spinner = () => readFileSync(guestPath('spinner.elf'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const config = (name: string, extra: Partial<GuestConfig> = {}): GuestConfig => ({ name, image: { bytes: spinner() }, ramBytes: 1 << 20, mode: 'bare', ...extra });

/** Polls until `fn` holds (the worker's loop runs between the polls). */
async function until(fn: () => boolean, ms = 40_000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(50);
  }
}

describe('translatedShare', () => {
  it('is the translated part of a window, clamped, and 0 for an empty window or a counter that went back', () => {
    expect(translatedShare(1000, 900)).toBeCloseTo(0.9);
    expect(translatedShare(0, 0)).toBe(0);
    expect(translatedShare(1000, -5)).toBe(0);
    expect(translatedShare(1000, 2000)).toBe(1);
  });
});

describe('StatsTracker: the translated share', () => {
  it('spinner with its JIT on runs mostly translated; with it off, none', async () => {
    const hv = await Hypervisor.create();
    const sched = new Scheduler({ quantum: 50_000 });
    const on = hv.createGuest({ ramBytes: 1 << 20 });
    on.load(spinner());
    const off = hv.createGuest({ ramBytes: 1 << 20 });
    off.load(spinner());
    off.setJit(false);
    const sgOn = sched.add(on, { name: 'on' });
    const sgOff = sched.add(off, { name: 'off' });
    const tracker = new StatsTracker();
    const tracked = [
      { id: 1, sg: sgOn, region: on.region(), unacked: 0, blocked: false, jit: true },
      { id: 2, sg: sgOff, region: off.region(), unacked: 0, blocked: false, jit: false },
    ];
    const jit = { available: true, translations: 0, invalidations: 0, flushes: 0, compileMs: 0, cacheBytes: 0, cacheLimit: 0 };
    tracker.snapshot(0, 0, 0, tracked, jit);
    for (let i = 0; i < 100; i++) sched.runFor(5);
    const s = tracker.snapshot(500, 0, 0, tracked, jit);
    const [a, b] = s.guests;
    expect(a!.jit).toBe(true);
    expect(a!.translated).toBeGreaterThan(0.5);
    expect(b!.jit).toBe(false);
    expect(b!.translated).toBe(0);
    expect(b!.instructions).toBeGreaterThan(0);
    expect(a!.hostMs).toBeGreaterThan(0);
    hv.destroyAll();
  });
});

describe('HostCpu (the page\'s worker)', () => {
  const cpus: HostCpu[] = [];
  const origModule = WebAssembly.Module;
  afterEach(() => {
    (WebAssembly as { Module: unknown }).Module = origModule;
    for (const cpu of cpus.splice(0)) {
      for (const g of cpu.stats().guests) cpu.destroy(g.id);
      cpu.close();
    }
  });

  async function start(): Promise<{ cpu: HostCpu; events: WorkerEvent[] }> {
    const cpu = new HostCpu();
    cpus.push(cpu);
    await cpu.init({ wasmUrl: CORE });
    const events: WorkerEvent[] = [];
    cpu.subscribe((batch) => events.push(...batch));
    return { cpu, events };
  }

  it('a guest launched with jit: false is interpreted until its switch is turned on; the worker counts translations', async () => {
    const { cpu } = await start();
    const r = await cpu.create(config('spinner', { jit: false }));
    expect(r.ok).toBe(true);
    const id = r.ok ? r.guest.id : 0;
    await until(() => (cpu.stats().guests[0]?.instructions ?? 0) > 2_000_000);
    let s = cpu.stats();
    expect(s.guests[0]!.jit).toBe(false);
    expect(s.guests[0]!.translated).toBe(0);
    expect(s.jit.translations).toBe(0);
    expect(s.jit.available).toBe(true);

    cpu.setJit(id, true);
    await until(() => cpu.stats().guests[0]!.translated > 0.5);
    s = cpu.stats();
    expect(s.guests[0]!.jit).toBe(true);
    expect(s.jit.translations).toBeGreaterThan(0);
    expect(s.jit.cacheBytes).toBeGreaterThan(0);
    expect(s.jit.cacheLimit).toBeGreaterThan(0);
  });

  it('a fork keeps its parent\'s switch; a restore takes the one asked for (default on)', async () => {
    const { cpu } = await start();
    const r = await cpu.create(config('spinner', { jit: false, paused: true }));
    const id = r.ok ? r.guest.id : 0;
    const f = cpu.fork(id, 'fork');
    expect(f.ok && cpu.stats().guests.find((g) => g.id === f.guest.id)!.jit).toBe(false);
    const bytes = await cpu.snapshot(id);
    const restored = await cpu.restore({ bytes, name: 'restored', paused: true });
    expect(restored.ok && cpu.stats().guests.find((g) => g.id === restored.guest.id)!.jit).toBe(true);
  });

  it('when runtime compilation is refused, the guests are interpreted and the page gets one notice', async () => {
    const { cpu, events } = await start();
    // As a Content-Security-Policy without 'wasm-unsafe-eval' does in Chromium: the core is already
    // instantiated, but compiling a translated block throws.
    (WebAssembly as { Module: unknown }).Module = function refused() {
      throw new Error("WebAssembly.Module(): Compiling or instantiating WebAssembly module violates the following Content Security policy directive");
    };
    const a = await cpu.create(config('a'));
    const b = await cpu.create(config('b'));
    expect(a.ok && b.ok).toBe(true);
    await until(() => events.some((e) => e.type === 'notice'));
    await until(() => cpu.stats().guests.every((g) => g.instructions > 2_000_000));
    await sleep(300);
    const notices = events.filter((e) => e.type === 'notice');
    expect(notices).toEqual([{ type: 'notice', key: 'jit-unavailable', message: JIT_UNAVAILABLE_NOTICE }]);
    const s = cpu.stats();
    expect(s.jit.available).toBe(false);
    expect(s.jit.translations).toBe(0);
    for (const g of s.guests) {
      expect(g.state).toBe('running');
      expect(g.translated).toBe(0);
    }
  });
});

describe('minivisor/testing: the jit launch option', () => {
  it('on by default; jit: false runs the same guest interpreted', async () => {
    const { launchGuest } = await import('../src/testing/node.js');
    await using off = await launchGuest(guestPath('spinner.elf'), { ram: '1M', jit: false });
    await off.console.waitFor('spinner: 1 round', { timeout: 60_000 });
    expect(off.stats().jitInstructions).toBe(0);
    expect(off.guest.jit).toBe(false);
    await using on = await launchGuest(guestPath('spinner.elf'), { ram: '1M' });
    await on.console.waitFor('spinner: 1 round', { timeout: 60_000 });
    expect(on.stats().jitInstructions).toBeGreaterThan(0.5 * on.stats().instructions);
  });
});
