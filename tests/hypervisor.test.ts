// The hypervisor's duties with real guests on the real core: many guests per instance,
// memory reuse, scheduling by weight, idle guests, pause/step/reset, deterministic time and
// console backpressure.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GuestCreateError, Hypervisor, Scheduler, StopReason, checkRamSize, type ScheduledGuest } from '../src/index.js';
import { guestPath } from './helpers/guests.js';
import { programElf, reg, rv } from './helpers/elf-builder.js';

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

  it('a guest woken by input runs next, before the other guests\' turns (an interactive boost)', async () => {
    const hv = await Hypervisor.create();
    const out: Uint8Array[] = [];
    const sched = new Scheduler({ quantum: 20_000, onOutput: (sg, b) => sg.name === 'echo' && out.push(b) });
    const echo = hv.createGuest({ ramBytes: 1 << 20, deterministic: false });
    echo.load(elf('echo.elf'));
    const echoSg = sched.add(echo, { name: 'echo' });
    for (let i = 0; i < 4; i++) {
      const g = hv.createGuest({ ramBytes: 1 << 20 });
      g.load(elf('spinner.elf'));
      sched.add(g, { name: `spinner${i}` });
    }
    const turns: string[] = [];
    sched.onTurn((sg) => turns.push(sg.name));
    for (let i = 0; i < 200 && echoSg.state !== 'waiting'; i++) sched.runFor(0);
    expect(echoSg.state).toBe('waiting');
    // Put the round-robin just after spinner0, so that echo's own turn is four turns away.
    while (turns[turns.length - 1] !== 'spinner0') sched.runFor(0);
    out.length = 0;
    turns.length = 0;
    sched.input(echoSg, new TextEncoder().encode('k'));
    sched.runFor(0); // a zero budget: exactly one turn
    expect(turns).toEqual(['echo']);
    expect(text(out)).toContain('k');
    // and then the round-robin goes on where it was
    sched.runFor(0);
    expect(turns).toEqual(['echo', 'spinner1']);
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
    expect(sg.fault).toMatchObject({ kind: 'stuck', cause: 1, pc: 0 });
    // What led there: the illegal CSR access in hello's first instructions, whose handler (stvec = 0) faults.
    const previous = sg.fault?.kind === 'stuck' ? sg.fault.previous : undefined;
    expect(previous?.cause).toBe(2);
    expect(previous?.pc).toBeGreaterThanOrEqual(0x8000_0000);
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

const MiB = 2 ** 20;
/** csrrw x0, csr, rs */
const csrw = (csr: number, rs: number) => ((csr << 20) | (rs << 15) | (1 << 12) | 0x73) >>> 0;
const MIE = 0x304;

describe('scheduler robustness', () => {
  it('drops a destroyed guest and keeps scheduling the others', async () => {
    const hv = await Hypervisor.create();
    const sched = new Scheduler({ quantum: 10_000 });
    const spin = programElf([rv.spin()]);
    const [a, b, c] = [0, 1, 2].map(() => {
      const g = hv.createGuest({ ramBytes: MiB });
      g.load(spin);
      return sched.add(g);
    });
    sched.runFor(5);
    b!.guest.destroy();
    const before = [a!.instructions, c!.instructions];
    for (let i = 0; i < 3; i++) expect(() => sched.runFor(5)).not.toThrow();
    expect(sched.guests).toEqual([a, c]);
    expect(a!.instructions).toBeGreaterThan(before[0]!);
    expect(c!.instructions).toBeGreaterThan(before[1]!);
  });

  it('a guest destroyed from a callback during its turn is dropped too', async () => {
    const hv = await Hypervisor.create();
    const chatty = programElf([rv.lui(reg.t0, 0x10000), rv.addi(reg.t1, reg.zero, 0x41), rv.sb(reg.t1, reg.t0, 0), rv.j(-4)]);
    const sched = new Scheduler({ quantum: 10_000, onOutput: (sg) => sg.guest.destroy() });
    const victim = hv.createGuest({ ramBytes: MiB });
    victim.load(chatty);
    const other = hv.createGuest({ ramBytes: MiB });
    other.load(programElf([rv.spin()]));
    const sv = sched.add(victim);
    const so = sched.add(other);
    for (let i = 0; i < 3; i++) expect(() => sched.runFor(5)).not.toThrow();
    expect(sched.guests).toEqual([so]);
    expect(sv.guest.isDestroyed).toBe(true);
    expect(so.instructions).toBeGreaterThan(0);
  });

  it("one guest's exception does not stop the others: it ends faulted with the reason", async () => {
    const hv = await Hypervisor.create();
    let calls = 0;
    const sched = new Scheduler({
      quantum: 10_000,
      onOutput: () => {
        calls++;
        throw new Error('the terminal is gone');
      },
    });
    const chatty = hv.createGuest({ ramBytes: MiB });
    chatty.load(programElf([rv.lui(reg.t0, 0x10000), rv.addi(reg.t1, reg.zero, 0x41), rv.sb(reg.t1, reg.t0, 0), rv.j(-4)]));
    const quiet = hv.createGuest({ ramBytes: MiB });
    quiet.load(programElf([rv.spin()]));
    const sc = sched.add(chatty);
    const sq = sched.add(quiet);
    for (let i = 0; i < 3; i++) expect(() => sched.runFor(5)).not.toThrow();
    expect(calls).toBe(1);
    expect(sc.state).toBe('faulted');
    expect(sc.fault).toMatchObject({ kind: 'host-error', message: 'stopped: running it threw Error: the terminal is gone' });
    expect(sq.state).toBe('running');
    expect(sq.instructions).toBeGreaterThan(10_000);
  });
});

describe('a guest asleep with every interrupt disabled', () => {
  async function schedule(words: (number | number[])[]) {
    const hv = await Hypervisor.create();
    const changes: string[] = [];
    const sched = new Scheduler({ onStateChange: (sg) => changes.push(sg.state) });
    const g = hv.createGuest({ ramBytes: MiB });
    g.load(programElf(words));
    const sg = sched.add(g);
    sched.runFor(20);
    return { sched, sg, changes };
  }

  it('is faulted (asleep-forever, with a message), not waiting, when mie is 0', async () => {
    const { sched, sg, changes } = await schedule([rv.wfi(), rv.spin()]);
    expect(sg.state).toBe('faulted');
    expect(changes).toEqual(['faulted']);
    expect(sg.fault).toEqual({
      kind: 'asleep-forever',
      cause: undefined,
      pc: 0x8000_0004, // after the wfi
      mie: 0,
      message: 'asleep in WFI (pc 0x80000004) with every interrupt disabled (mie = 0): nothing can wake it',
    });
    // Input cannot wake it.
    sched.input(sg, new TextEncoder().encode('x'));
    expect(sg.state).toBe('faulted');
  });

  it('is faulted when only a timer interrupt is enabled and no timer is armed', async () => {
    const { sg } = await schedule([...rv.li(reg.t0, 1 << 7), csrw(MIE, reg.t0), rv.wfi(), rv.spin()]);
    expect(sg.state).toBe('faulted');
    expect(sg.fault?.kind).toBe('asleep-forever');
    expect((sg.fault as { message: string }).message).toBe(
      'asleep in WFI (pc 0x80000010) with mie = 0x00000080: no external interrupt enabled and no timer armed: nothing can wake it',
    );
  });

  it('is waiting, as before, when input could wake it (external interrupts enabled)', async () => {
    const { sg } = await schedule([...rv.li(reg.t0, 1 << 11), csrw(MIE, reg.t0), rv.wfi(), rv.spin()]);
    expect(sg.state).toBe('waiting');
    expect(sg.fault).toBeUndefined();
  });
});

describe('RAM size checks', () => {
  it('shows a RAM size that is not a whole unit in bytes, not rounded', () => {
    expect(checkRamSize(1048577)).toBe('RAM size 1048577 bytes: must be between 1 MiB and 1 GiB, a multiple of 4 KiB');
    expect(checkRamSize(1000 * 1024)).toBe('RAM size 1000 KiB (1024000 bytes): must be between 1 MiB and 1 GiB, a multiple of 4 KiB');
  });

  it('calls a RAM size of the wrong type a wrong type', async () => {
    expect(checkRamSize('16M')).toBe("RAM size must be a number of bytes, got string '16M' (e.g. ramBytes: 16 << 20 for 16 MiB)");
    expect(checkRamSize(undefined)).toMatch(/^RAM size must be a number of bytes, got undefined/);
    const hv = await Hypervisor.create();
    let err: unknown;
    try {
      hv.createGuest({ ramBytes: '16M' as unknown as number });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GuestCreateError);
    expect((err as GuestCreateError).code).toBe('bad-ram-size');
    expect((err as Error).message).toContain('must be a number of bytes, got string');
  });
});
