// The hypervisor's duties with real guests on the real core: many guests per instance,
// memory reuse, scheduling by weight, idle guests, pause/step/reset, deterministic time and
// console backpressure.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GuestCreateError, Hypervisor, Scheduler, StopReason, type ScheduledGuest } from '../src/index.js';
import { guestPath } from './helpers/guests.js';

const elf = (name: string): Uint8Array => readFileSync(guestPath(name));
const text = (chunks: Uint8Array[]): string => Buffer.concat(chunks).toString('latin1');

describe('many guests per instance', () => {
  it('creates and destroys guests; a destroyed guest is zeroed and its memory reused', async () => {
    const hv = await Hypervisor.create();
    const a = hv.createGuest({ ramBytes: 4 << 20 });
    a.load(elf('hello.elf'));
    const regionA = a.region();
    a.ram().fill(0xab, 0, 4096);
    a.destroy();
    const view = new Uint8Array(hv.core.memory.buffer, regionA.base, regionA.size);
    expect(view.every((b) => b === 0)).toBe(true);
    const b = hv.createGuest({ ramBytes: 4 << 20 });
    expect(b.region().base).toBe(regionA.base);
    expect(b.ram().every((x) => x === 0)).toBe(true);
  });

  it('hosts guests from 1 MiB to 1 GiB of RAM', async () => {
    const hv = await Hypervisor.create();
    const small = hv.createGuest({ ramBytes: 1 << 20 });
    const big = hv.createGuest({ ramBytes: 1 << 30 });
    expect(small.ramBytes).toBe(1 << 20);
    expect(big.ramBytes).toBe(1 << 30);
    big.destroy();
    small.destroy();
  });

  it('says how much is left when the instance is full', async () => {
    const hv = await Hypervisor.create();
    // A ceiling on the instance's memory, as a page would set for a browser tab.
    hv.setMemoryLimit(64 << 20);
    const guests = [];
    let error: unknown;
    try {
      for (let i = 0; i < 8; i++) guests.push(hv.createGuest({ ramBytes: 16 << 20 }));
    } catch (e) {
      error = e;
    }
    expect(guests.length).toBe(3); // 3 x (16 MiB + 64 KiB block) fit under 64 MiB, a 4th does not
    expect(error).toBeInstanceOf(GuestCreateError);
    expect((error as GuestCreateError).code).toBe('out-of-memory');
    expect((error as Error).message).toMatch(/at most [\d.]+ [KMG]iB is left/);
    // The guests that fit still work, and destroying one makes room again.
    guests[0]!.load(elf('hello.elf'));
    expect(guests[0]!.run(1_000_000)).toBe(StopReason.Halted);
    guests[2]!.destroy();
    expect(() => hv.createGuest({ ramBytes: 16 << 20 })).not.toThrow();
  });
});

describe('scheduling', () => {
  it('shares instructions by weight among spinners (1, 1, 2, 4)', async () => {
    const hv = await Hypervisor.create();
    const sched = new Scheduler({ quantum: 50_000 });
    const weights = [1, 1, 2, 4];
    const sgs = weights.map((weight, i) => {
      const g = hv.createGuest({ ramBytes: 1 << 20 });
      g.load(elf('spinner.elf'));
      return sched.add(g, { name: `spinner${i}`, weight });
    });
    for (let i = 0; i < 40; i++) sched.runFor(10);
    const total = sgs.reduce((n, sg) => n + sg.instructions, 0);
    const wsum = weights.reduce((a, b) => a + b, 0);
    sgs.forEach((sg, i) => {
      const share = sg.instructions / total;
      const want = weights[i]! / wsum;
      expect(Math.abs(share - want) / want).toBeLessThan(0.05);
    });
  });

  it('skips a guest waiting for an interrupt and reports when it wakes', async () => {
    const hv = await Hypervisor.create();
    let now = 0;
    const sched = new Scheduler({ now: () => now });
    const idle = hv.createGuest({ ramBytes: 1 << 20, deterministic: false });
    idle.load(elf('idle.elf'));
    const sg = sched.add(idle, { name: 'idle' });
    const report = sched.runFor(5);
    expect(sg.state).toBe('waiting');
    expect(report.busy).toBe(false);
    expect(report.nextWakeAt).toBeGreaterThan(0);
    expect(report.nextWakeAt).toBeLessThan(Infinity);
    const spent = sg.instructions;
    // Nothing is due yet: running again costs nothing.
    sched.runFor(5);
    expect(sg.instructions).toBe(spent);
  });

  it('pauses, single-steps, resumes and resets a guest', async () => {
    const hv = await Hypervisor.create();
    const out: Uint8Array[] = [];
    const sched = new Scheduler({ onOutput: (_g, b) => out.push(b) });
    const g = hv.createGuest({ ramBytes: 1 << 20 });
    g.load(elf('hello.elf'));
    const sg = sched.add(g, { paused: true });
    expect(sched.runFor(5).ran).toBe(false);
    const pc0 = g.pc;
    expect(sched.step(sg)).toBe(true);
    expect(sg.instructions).toBe(1);
    expect(g.pc).not.toBe(pc0);
    sched.resume(sg);
    while (sg.state === 'running') sched.runFor(5);
    expect(sg.state).toBe('halted');
    expect(sg.exitCode).toBe(0);
    expect(text(out)).toContain('Hello from minivisor!');
    sched.reset(sg);
    expect(sg.state as string).toBe('running');
    out.length = 0;
    while ((sg.state as string) === 'running') sched.runFor(5);
    expect(text(out)).toContain('Hello from minivisor!');
  });

  it('changes a weight at run time', async () => {
    const hv = await Hypervisor.create();
    const sched = new Scheduler({ quantum: 50_000 });
    const [a, b] = [0, 1].map(() => {
      const g = hv.createGuest({ ramBytes: 1 << 20 });
      g.load(elf('spinner.elf'));
      return sched.add(g);
    }) as [ScheduledGuest, ScheduledGuest];
    sched.setWeight(b, 3);
    for (let i = 0; i < 20; i++) sched.runFor(5);
    expect(Math.abs(b.instructions / a.instructions - 3) / 3).toBeLessThan(0.05);
    expect(() => sched.setWeight(a, 0)).toThrow(/positive/);
  });

  it('marks a guest whose trap handler faults on itself as faulted', async () => {
    const hv = await Hypervisor.create();
    const sched = new Scheduler();
    const g = hv.createGuest({ ramBytes: 1 << 20 });
    // hello in kernel mode: S-mode with stvec = 0, so its first M-mode CSR access traps to 0.
    g.bootKernel(elf('hello.elf'));
    const sg = sched.add(g);
    sched.runFor(50);
    expect(sg.state).toBe('faulted');
    expect(sg.fault).toEqual({ kind: 'stuck', cause: 1, pc: 0 });
    expect(sg.instructions).toBeLessThan(10);
  });
});

describe('deterministic time', () => {
  async function transcript(): Promise<{ output: string; hash: string }> {
    const hv = await Hypervisor.create();
    const g = hv.createGuest({ ramBytes: 1 << 20, deterministic: true });
    g.load(elf('idle.elf'));
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < 200; i++) {
      g.run(100_000);
      chunks.push(g.readConsole());
    }
    return { output: text(chunks), hash: g.stateHash() };
  }

  it('gives byte-identical output and state hash, run after run', async () => {
    const first = await transcript();
    const second = await transcript();
    expect(first.output).toContain('idle: tick 3');
    expect(second.output).toBe(first.output);
    expect(second.hash).toBe(first.hash);
  });
});

describe('console backpressure', () => {
  it('stalls a flooding guest while its output is not drained, and loses nothing', async () => {
    const hv = await Hypervisor.create();
    const g = hv.createGuest({ ramBytes: 1 << 20 });
    g.load(elf('escape.elf'));
    g.writeConsole('g');
    const bufferBytes = hv.core.memory.buffer.byteLength;
    // Not drained: the guest fills the UART's buffer and the run stops there for the host.
    expect(g.run(50_000_000)).toBe(StopReason.OutputFull);
    const stalledAt = g.instret;
    const buffered = hv.core.guestConsoleOutLen(g.handle);
    expect(buffered).toBe(32 * 1024);
    // Run on without draining: the UART says "transmitter busy" and the guest waits on it;
    // nothing more is buffered and memory does not grow.
    expect(g.run(10_000_000)).toBe(StopReason.Budget);
    expect(hv.core.guestConsoleOutLen(g.handle)).toBe(buffered);
    expect(hv.core.memory.buffer.byteLength).toBe(bufferBytes);
    // Now drain as a host would: every flood line arrives, in order.
    const chunks: Uint8Array[] = [g.readConsole()];
    let seen = 0;
    for (let i = 0; i < 1000 && seen < 200_000; i++) {
      g.run(5_000_000);
      const c = g.readConsole();
      chunks.push(c);
      const m = [...Buffer.from(c).toString('latin1').matchAll(/line (\d+) of/g)].pop();
      if (m) seen = Number(m[1]);
    }
    const out = text(chunks);
    const numbers = [...out.matchAll(/line (\d+)/g)].map((m) => Number(m[1]));
    expect(numbers.length).toBeGreaterThanOrEqual(200_000);
    const inOrder = numbers.every((n, i) => n === numbers[0]! + i);
    expect(inOrder).toBe(true);
    expect(g.instret).toBeGreaterThan(stalledAt);
  });
});
