// Issue 17's six isolation attacks as regression tests.
//
// The attacks (guests/isa/isolation.S, isa-isolation.elf, which prints one `ok`/`FAIL` line per
// probe, the same on QEMU) run next to victim guests on one core instance, interleaved in small
// slices in deterministic time. Every victim must end exactly as it does alone with the same
// slices (console transcript and stateHash), the attacker must pass every check, and the
// instance's memory outside the guests' regions must not change. That on the release core and on
// the checked core (every host address the core forms from guest values asserted inside the
// running guest's window).
//
// The same run on the cores with the TLB bug put back (build/minivisor-*tlbbug.wasm) proves the
// test would catch it: the checked mutant throws IsolationViolationError, and on the unchecked
// one the attack shows (a victim changes, the attacker's checks fail, or the core traps).
//
// Attack 5 (data left in the physical-CPU area crossing a world switch) and attack 6 (a trap in
// the core stopping every guest) are checked from the host.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { Hypervisor, IsolationViolationError, Scheduler, StopReason, type Guest, type GuestFault } from '../src/index.js';
import { guestPath } from './helpers/guests.js';
import { exitWith, printText, programElf, reg, rv } from './helpers/elf-builder.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const corePath = (name: string): string => join(ROOT, 'build', `${name}.wasm`);
const CORES = [
  { name: 'release', path: corePath('minivisor') },
  { name: 'checked', path: corePath('minivisor-checked') },
];
const CHECKED_MUTANT = corePath('minivisor-checked-tlbbug');
const UNCHECKED_MUTANT = corePath('minivisor-tlbbug');
const TRAP_CORE = corePath('minivisor-trap');

const modules = new Map<string, Promise<WebAssembly.Module>>();
/** Each core compiled once for the whole file; every scenario gets a fresh instance of it. */
function instance(path: string): Promise<Hypervisor> {
  let m = modules.get(path);
  if (!m) {
    m = WebAssembly.compile(readFileSync(path));
    modules.set(path, m);
  }
  return m.then((module) => Hypervisor.create({ wasm: module }));
}

const elf = (name: string): Uint8Array => readFileSync(guestPath(name));
const ATTACKER = 'isa-isolation.elf';

// ---- guests side by side, in slices ------------------------------------------------------------

interface Spec {
  name: string;
  elf: string;
  /** console input typed at the start of the given slices */
  input?: Record<number, string>;
}

/** The victims: one that halts, one that waits for typed input, one busy, one asleep on a timer. */
const VICTIMS: Spec[] = [
  { name: 'hello', elf: 'hello.elf' },
  { name: 'echo', elf: 'echo.elf', input: { 5: 'hello\n', 50: 'typed while the attack runs\n', 700: 'exit\n' } },
  { name: 'spinner', elf: 'spinner.elf' },
  { name: 'idle', elf: 'idle.elf' },
];
const RAM = 1 << 20;
/** Small slices: every guest is switched in and out hundreds of times during the attack. */
const QUANTUM = 2_000;
const SLICES = 800;

interface Outcome {
  name: string;
  output: string;
  hash: string;
  stop: StopReason | undefined;
  exitCode: number | undefined;
  fault: GuestFault | undefined;
  /** what a run() threw, if anything (it then stops being run) */
  error: unknown;
  /** instructions retired, counted from run() */
  instructions: number;
  /** instructions retired when run() threw (up to the start of the chunk that threw) */
  instretAtError: number | undefined;
  /** after each traced slice: state hash, console so far, instructions retired */
  trace: { hash: string; output: string; instret: number }[];
}

interface SideBySide {
  outcomes: Outcome[];
  /** how many slices were traced */
  traced: number;
  /** the instance's memory outside every guest region: before and after */
  outsideBefore: string;
  outsideAfter: string;
}

/**
 * A hash of the instance's memory that belongs to no guest: the guest table and the core's static
 * data up to the first region, and everything after the last one. The checked core's coverage
 * counters and the JIT's table (static data the core updates on purpose) are left out.
 */
function outsideRegions(hv: Hypervisor, guests: Guest[]): string {
  const mem = new Uint8Array(hv.core.memory.buffer);
  const regions = guests.map((g) => g.region()).sort((p, q) => p.base - q.base);
  const spans: [number, number][] = [[0x8000, regions[0]!.base]];
  for (let i = 0; i + 1 < regions.length; i++) spans.push([regions[i]!.base + regions[i]!.size, regions[i + 1]!.base]);
  spans.push([regions.at(-1)!.base + regions.at(-1)!.size, mem.length]);
  const cov = hv.core.coveragePtr() >>> 0;
  const jit = hv.core.jitDataPtr() >>> 0;
  const jitEnd = jit + (hv.core.jitDataBytes() >>> 0);
  let h = 0x811c9dc5;
  for (const [from, to] of spans) {
    for (let i = from; i < to; i++) {
      if (i >= cov && i < cov + 256) continue;
      if (i >= jit && i < jitEnd) continue;
      h = Math.imul(h ^ mem[i]!, 0x01000193);
    }
  }
  return `${spans.map(([f, t]) => `${f.toString(16)}-${t.toString(16)}`).join(',')}:${(h >>> 0).toString(16)}`;
}

/**
 * Creates the guests in order (so each one's region lies right above the previous one's) on a
 * fresh instance of `core`, then runs SLICES rounds: each guest that has not stopped runs QUANTUM
 * instructions in turn. Deterministic time: the same specs and slices give the same result.
 * `trace`: record every guest's state after each of the first `trace` slices, or, with
 * 'attacker', of the slices until the last guest (the attacker) stops.
 */
async function sideBySide(core: string, specs: Spec[], opts: { trace?: number | 'attacker' } = {}): Promise<SideBySide> {
  const hv = await instance(core);
  const guests = specs.map((spec) => {
    const guest = hv.createGuest({ ramBytes: RAM, deterministic: true });
    guest.load(elf(spec.elf));
    return guest;
  });
  const outcomes: Outcome[] = specs.map((s) => ({
    name: s.name,
    output: '',
    hash: '',
    stop: undefined,
    exitCode: undefined,
    fault: undefined,
    error: undefined,
    instructions: 0,
    instretAtError: undefined,
    trace: [],
  }));
  let traced = 0;
  const pending = specs.map(() => new Uint8Array(0));
  const outsideBefore = outsideRegions(hv, guests);
  const running = (o: Outcome): boolean => o.error === undefined && o.stop !== StopReason.Halted && o.stop !== StopReason.Faulted;
  for (let slice = 0; slice < SLICES; slice++) {
    const lastRan = running(outcomes.at(-1)!);
    specs.forEach((spec, i) => {
      const guest = guests[i]!;
      const o = outcomes[i]!;
      const typed = spec.input?.[slice];
      if (typed !== undefined) pending[i] = Buffer.concat([pending[i]!, Buffer.from(typed, 'latin1')]);
      if (running(o)) {
        if (pending[i]!.length) pending[i] = pending[i]!.subarray(guest.writeConsole(pending[i]!));
        try {
          o.stop = guest.run(QUANTUM);
          o.instructions += guest.lastRunCount;
        } catch (e) {
          o.error = e;
          o.instretAtError = guest.instret;
        }
        o.output += Buffer.from(guest.readConsole()).toString('latin1');
        if (o.stop === StopReason.Halted) o.exitCode = guest.exitCode;
        if (o.stop === StopReason.Faulted) o.fault = guest.fault;
      }
    });
    const tracing = opts.trace === 'attacker' ? lastRan : slice < (opts.trace ?? 0);
    if (tracing) {
      traced++;
      outcomes.forEach((o, i) => o.trace.push({ hash: guests[i]!.stateHash(), output: o.output, instret: guests[i]!.instret }));
    }
  }
  outcomes.forEach((o, i) => (o.hash = guests[i]!.stateHash()));
  return { outcomes, traced, outsideBefore, outsideAfter: outsideRegions(hv, guests) };
}

/** Each victim alone on its own instance of `core`, with the same slices. */
async function solo(core: string, specs: Spec[], opts: { trace?: number } = {}): Promise<Outcome[]> {
  const out: Outcome[] = [];
  for (const spec of specs) out.push((await sideBySide(core, [spec], opts)).outcomes[0]!);
  return out;
}

const failLines = (output: string): string[] => output.split('\n').filter((l) => l.startsWith('FAIL'));

// ---- the mutants: the TLB bug put back ---------------------------------------------------------

/** Newest modification time of the core's sources (assembly/**.ts). */
function newestSource(dir = join(ROOT, 'assembly')): number {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) t = Math.max(t, newestSource(p));
    else if (entry.name.endsWith('.ts')) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

/**
 * Builds the mutant cores (node assembly/build.mjs --mutants) when they are missing or older than
 * the core's sources. Both vitest projects run this file at once (and other files need the
 * mutants too): a lock directory makes one of them build while the others wait for it.
 */
async function ensureMutants(): Promise<void> {
  const fresh = (): boolean =>
    [CHECKED_MUTANT, UNCHECKED_MUTANT].every((p) => existsSync(p) && statSync(p).mtimeMs >= newestSource());
  // the same lock as tests/isolation-fuzz-mutants.test.ts: one build at a time
  const lock = join(ROOT, 'build', '.mutants-build.lock');
  mkdirSync(join(ROOT, 'build'), { recursive: true });
  const deadline = Date.now() + 280_000;
  while (!fresh()) {
    try {
      mkdirSync(lock);
    } catch {
      // another process builds them: wait (a lock older than 5 minutes is a leftover)
      const held = statSync(lock, { throwIfNoEntry: false });
      if (held && Date.now() - held.mtimeMs > 300_000) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error('timed out waiting for another process to build the mutant cores');
      await new Promise((r) => setTimeout(r, 1000));
      continue;
    }
    try {
      if (fresh()) break;
      const t0 = performance.now();
      await new Promise<void>((resolve, reject) => {
        const child = spawn(process.execPath, ['assembly/build.mjs', '--mutants'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
        child.on('error', reject);
        child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`node assembly/build.mjs --mutants failed (exit ${code})`))));
      });
      console.log(`built the mutant cores in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

// ---- the tests -------------------------------------------------------------------------------

describe('issue 17 attacks 1-4: isa-isolation next to victims', () => {
  for (const core of CORES) {
    it(`${core.name} core: every victim ends as it does alone, the attacker passes every check`, async () => {
      const t0 = performance.now();
      const attacked = await sideBySide(core.path, [...VICTIMS, { name: 'attacker', elf: ATTACKER }]);
      const alone = await solo(core.path, VICTIMS);
      const attackerAlone = (await sideBySide(core.path, [{ name: 'attacker', elf: ATTACKER }])).outcomes[0]!;
      const attacker = attacked.outcomes.at(-1)!;

      // The attacker: every probe faulted as on QEMU, and it powered off with 0 failures.
      expect(attacker.error).toBeUndefined();
      expect(failLines(attacker.output)).toEqual([]);
      expect(attacker.output).toMatch(/^# \d+ passed, 0 failed$/m);
      expect(attacker.stop).toBe(StopReason.Halted);
      expect(attacker.exitCode).toBe(0);
      expect(attacker.output).toBe(attackerAlone.output);
      // ... over many slices, each one a world switch in and out
      expect(attacker.instructions).toBeGreaterThan(50 * QUANTUM);
      // Every victim: byte for byte and state for state as alone.
      for (const [i, ref] of alone.entries()) {
        const got = attacked.outcomes[i]!;
        expect(got.error, ref.name).toBeUndefined();
        expect(got.output, `${ref.name}'s console`).toBe(ref.output);
        expect(got.hash, `${ref.name}'s state`).toBe(ref.hash);
        expect(got.stop, `${ref.name}'s last stop`).toBe(ref.stop);
      }
      // The victims really did something while under attack.
      const byName = (n: string): Outcome => attacked.outcomes.find((o) => o.name === n)!;
      expect(byName('hello').output).toContain('Hello from minivisor!');
      expect(byName('hello').exitCode).toBe(0);
      expect(byName('echo').output).toContain('echo: typed while the attack runs');
      expect(byName('echo').exitCode).toBe(0);
      expect(byName('spinner').instructions).toBe(SLICES * QUANTUM);
      expect(byName('idle').output).toContain('idle: tick');
      // Nothing outside the guests' regions changed.
      expect(attacked.outsideAfter).toBe(attacked.outsideBefore);
      console.log(
        `${core.name}: attacker ${attacker.instructions} instructions, ${attacker.output.split('\n').filter((l) => l.startsWith('ok')).length} checks passed, ` +
          `victims identical to their solo runs; ${((performance.now() - t0) / 1000).toFixed(1)} s`,
      );
    });
  }
});

describe('issue 17 with the TLB bug put back: the tests catch it', () => {
  beforeAll(ensureMutants, 300_000);

  it('checked mutant: the attack throws IsolationViolationError', async () => {
    const attacked = await sideBySide(CHECKED_MUTANT, [...VICTIMS, { name: 'attacker', elf: ATTACKER }]);
    const attacker = attacked.outcomes.at(-1)!;
    expect(attacker.error).toBeInstanceOf(IsolationViolationError);
    const e = attacker.error as IsolationViolationError;
    expect(['load', 'store']).toContain(e.check);
    // The host address it formed is outside the attacker's window.
    expect(e.hostAddress < e.region.ramBase || e.hostAddress >= e.region.base + e.region.size).toBe(true);
    // Detected at once: the first probe, before any check printed a result.
    expect(failLines(attacker.output)).toEqual([]);
    // The attacker is stopped, contained; the victims never noticed.
    const alone = await solo(CHECKED_MUTANT, VICTIMS);
    for (const [i, ref] of alone.entries()) {
      expect(attacked.outcomes[i]!.output, ref.name).toBe(ref.output);
      expect(attacked.outcomes[i]!.hash, ref.name).toBe(ref.hash);
    }
    console.log(
      `checked mutant: IsolationViolationError after ${attacker.instretAtError} attacker instructions ` +
        `(${attacker.instructions} in the ${attacker.instructions / QUANTUM} slices before; ${e.message})`,
    );
  });

  it('unchecked mutant: the attack shows (a victim changes, checks fail, or the core traps)', async () => {
    const attacked = await sideBySide(UNCHECKED_MUTANT, [...VICTIMS, { name: 'attacker', elf: ATTACKER }], { trace: 'attacker' });
    const alone = await solo(UNCHECKED_MUTANT, VICTIMS, { trace: attacked.traced });
    const attacker = attacked.outcomes.at(-1)!;
    const signs: string[] = [];
    // When each sign first showed, in attacker instructions (instret at the end of that slice).
    const firstFail = attacker.trace.findIndex((t) => t.output.includes('FAIL'));
    if (firstFail >= 0) signs.push(`its checks fail (first after ${attacker.trace[firstFail]!.instret} instructions; ${failLines(attacker.output).length} FAIL lines)`);
    if (attacker.fault?.kind === 'internal-error') signs.push(`the core trapped (${attacker.fault.message})`);
    if (attacker.error !== undefined) signs.push(`run() threw ${String(attacker.error)}`);
    if (attacked.outsideAfter !== attacked.outsideBefore) signs.push('memory outside every guest region changed');
    alone.forEach((ref, i) => {
      const got = attacked.outcomes[i]!;
      const slice = got.trace.findIndex((t, s) => t.hash !== ref.trace[s]!.hash || t.output !== ref.trace[s]!.output);
      if (slice >= 0) signs.push(`victim ${ref.name} diverged (first seen after ${attacker.trace[slice]!.instret} attacker instructions)`);
      else if (got.hash !== ref.hash || got.output !== ref.output) signs.push(`victim ${ref.name} diverged (after the attacker stopped)`);
    });
    console.log(`unchecked mutant: ${signs.join('; ')}`);
    expect(signs.length).toBeGreaterThan(0);
    // The worst of them: another guest's memory changed. (The stale addend of the attacker's
    // index-0 page points just below its RAM: into idle, the guest created before it.)
    expect(signs.filter((s) => s.startsWith('victim')), 'no victim changed: the cross-guest write no longer lands in a victim').not.toEqual([]);
  });
});

describe('issue 17 attack 5: nothing crosses a world switch in the physical-CPU area', () => {
  // The physical CPU at host 0x0: the saved hart state (0x000..0x1ff) is the switched-in guest's
  // own; 0x200..0xfff and 0x2800..0x7fff hold no guest state; 0x1000..0x27ff are the TLBs.
  const SPARE: [number, number][] = [
    [0x200, 0x1000],
    [0x2800, 0x8000],
  ];
  const plant = (hv: Hypervisor): void => {
    const mem = new Uint8Array(hv.core.memory.buffer);
    for (const [from, to] of SPARE) for (let i = from; i < to; i++) mem[i] = 0x5e ^ (i & 0xff) ^ (i >> 8);
    // the secret really is there
    expect(mem[0x200]).toBe(0x5e ^ 0x00 ^ 0x02);
  };
  const leftovers = (hv: Hypervisor): number => {
    const mem = new Uint8Array(hv.core.memory.buffer);
    let n = 0;
    for (const [from, to] of SPARE) for (let i = from; i < to; i++) if (mem[i] !== 0) n++;
    return n;
  };

  for (const core of CORES) {
    it(`${core.name} core: a secret left there by guest A is gone once B is switched in`, async () => {
      const hv = await instance(core.path);
      const a = hv.createGuest({ ramBytes: RAM, deterministic: true });
      const b = hv.createGuest({ ramBytes: RAM, deterministic: true });
      a.load(elf('spinner.elf'));
      b.load(elf('spinner.elf'));
      a.run(10_000);
      plant(hv); // what a buggy path would leave behind while A runs
      expect(leftovers(hv)).toBeGreaterThan(0);
      b.run(10_000);
      expect(leftovers(hv)).toBe(0);
      // and the other way round
      plant(hv);
      a.run(10_000);
      expect(leftovers(hv)).toBe(0);
      // B saw nothing of it: it ends as a spinner with the same slices alone does
      const ref = hv.createGuest({ ramBytes: RAM, deterministic: true });
      ref.load(elf('spinner.elf'));
      ref.run(10_000);
      expect(b.stateHash()).toBe(ref.stateHash());
    });

    it(`${core.name} core: a secret left there by guest A is gone after A is destroyed and B created`, async () => {
      const hv = await instance(core.path);
      const a = hv.createGuest({ ramBytes: RAM, deterministic: true });
      a.load(elf('spinner.elf'));
      a.run(10_000);
      plant(hv);
      a.destroy();
      const b = hv.createGuest({ ramBytes: RAM, deterministic: true });
      b.load(elf('hello.elf'));
      expect(b.run(1_000_000)).toBe(StopReason.Halted);
      expect(leftovers(hv)).toBe(0);
      expect(Buffer.from(b.readConsole()).toString('latin1')).toContain('Hello from minivisor!');
    });
  }
});

describe('issue 17 attack 6: a trap in the core stops only the guest that was running', () => {
  // A guest that makes build/minivisor-trap.wasm trap on purpose: it writes 0xdeadbeef to the
  // SiFive test device at 0x100000 (the release core would take it as an exit code).
  const trapper = programElf([
    ...printText('about to trap the core\n'),
    rv.lui(reg.t0, 0x100),
    ...rv.li(reg.t1, 0xdeadbeef),
    rv.sw(reg.t1, reg.t0, 0),
    ...printText('still running\n'),
    ...exitWith(3),
  ]);
  const helloOutput = (): Promise<string> =>
    sideBySide(CORES[0]!.path, [{ name: 'hello', elf: 'hello.elf' }]).then((r) => r.outcomes[0]!.output);

  it('the trapping guest ends faulted (internal-error, with a message); the others and new guests run normally', async () => {
    const expected = await helloOutput();
    expect(expected).toContain('Hello from minivisor!');
    const hv = await instance(TRAP_CORE);
    const hello = hv.createGuest({ ramBytes: RAM, deterministic: true });
    hello.load(elf('hello.elf'));
    const bad = hv.createGuest({ ramBytes: RAM, deterministic: true });
    bad.load(trapper);
    expect(hello.run(100)).toBe(StopReason.Budget); // started, not finished
    expect(bad.run(1_000_000)).toBe(StopReason.Faulted);
    expect(Buffer.from(bad.readConsole()).toString('latin1')).toBe('about to trap the core\n');
    const fault = bad.fault;
    expect(fault.kind).toBe('internal-error');
    expect(fault.kind === 'internal-error' && fault.message).toMatch(/internal error in the hypervisor core.*other guests are unaffected/);
    // it stays stopped
    expect(bad.run(1_000_000)).toBe(StopReason.Faulted);
    // the other guest finishes as it does alone
    const chunks: Uint8Array[] = [];
    let stop: StopReason = StopReason.Budget;
    for (let i = 0; i < 100 && stop !== StopReason.Halted; i++) {
      stop = hello.run(10_000);
      chunks.push(hello.readConsole());
    }
    expect(stop).toBe(StopReason.Halted);
    expect(hello.exitCode).toBe(0);
    expect(Buffer.concat(chunks).toString('latin1')).toBe(expected); // (its console keeps what the first 100 printed)
    // a new guest can be created and runs normally
    const late = hv.createGuest({ ramBytes: RAM, deterministic: true });
    late.load(elf('hello.elf'));
    expect(late.run(1_000_000)).toBe(StopReason.Halted);
    expect(Buffer.from(late.readConsole()).toString('latin1')).toBe(expected);
  });

  it('Scheduler.runFor does not throw and keeps scheduling the others', async () => {
    const expected = await helloOutput();
    const hv = await instance(TRAP_CORE);
    const out = new Map<string, string>();
    const sched = new Scheduler({
      quantum: 2_000,
      onOutput: (sg, bytes) => out.set(sg.name, (out.get(sg.name) ?? '') + Buffer.from(bytes).toString('latin1')),
    });
    const add = (name: string, bytes: Uint8Array) => {
      const g = hv.createGuest({ ramBytes: RAM, deterministic: true });
      g.load(bytes);
      return sched.add(g, { name });
    };
    const bad = add('trapper', trapper);
    const spinner = add('spinner', elf('spinner.elf'));
    const hello = add('hello', elf('hello.elf'));
    for (let i = 0; i < 200 && hello.state !== 'halted'; i++) expect(() => sched.runFor(5)).not.toThrow();
    expect(bad.state).toBe('faulted');
    expect(bad.fault?.kind).toBe('internal-error');
    expect(hello.state).toBe('halted');
    expect(hello.exitCode).toBe(0);
    expect(out.get('hello')).toBe(expected);
    const before = spinner.instructions;
    expect(before).toBeGreaterThan(0);
    for (let i = 0; i < 3; i++) expect(() => sched.runFor(5)).not.toThrow();
    expect(spinner.state).toBe('running');
    expect(spinner.instructions).toBeGreaterThan(before);
    // a guest created after the trap joins and finishes
    const late = add('late', elf('hello.elf'));
    for (let i = 0; i < 20 && late.state !== 'halted'; i++) sched.runFor(5);
    expect(late.state).toBe('halted');
    expect(out.get('late')).toBe(expected);
  });
});
