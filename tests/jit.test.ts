// Translated code (issue 16, assembly/jit.ts, src/jit/compiler.ts) is an accelerator, not a
// second machine: in deterministic time every guest must print the same bytes and end in the
// same state (stateHash after every slice) with translation on and off. Also: self-modifying
// code, and the mutant core whose invalidation is broken (build/minivisor-jitbug.wasm), which
// these tests must catch.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Hypervisor, StopReason, type Guest } from '../src/index.js';
import { buildElf, code, reg, rv } from './helpers/elf-builder.js';
import { guestPath } from './helpers/guests.js';

/** Translate a block on its second execution, so that nearly everything runs translated. */
const JIT = { hot: 2 } as const;

interface Case {
  name: string;
  kernel?: boolean;
  bootargs?: string;
  ram?: number;
  /** [instructions before it is typed, text] */
  input?: [number, string][];
  budget: number;
}

const CASES: Case[] = [
  { name: 'hello.elf', budget: 2_000_000 },
  { name: 'echo.elf', input: [[50_000, 'hello world\nsecond line\nexit\n']], budget: 3_000_000 },
  { name: 'bench.elf', budget: 60_000_000 },
  { name: 'bench-ima.elf', budget: 60_000_000 },
  { name: 'bench-paged.elf', budget: 60_000_000 },
  { name: 'spinner.elf', budget: 20_000_000 },
  { name: 'idle.elf', budget: 5_000_000 },
  { name: 'escape.elf', input: [[100_000, '1\n2\n3\n4\n5\n6\n7\n8\n9\nq\n']], budget: 20_000_000 },
  ...['a', 'base', 'c', 'csr', 'devices', 'fencei', 'interrupts', 'isolation', 'm', 'priv-deleg', 'priv-int', 'priv-traps', 'priv-vm', 'traps', 'triggers', 'wfi'].map(
    (g) => ({ name: `isa-${g}.elf`, budget: 50_000_000 }),
  ),
  { name: 'sbi-test.elf', kernel: true, bootargs: 'console=hvc0', budget: 50_000_000 },
  { name: 'minios.elf', kernel: true, input: [[3_000_000, 'ps\necho hi\nhelp\n']], budget: 30_000_000 },
];

/** Slices of varying length, so that budgets end at many different points inside blocks (about 80 per run: stateHash reads all of RAM). */
function slice(i: number, budget: number): number {
  return 1_000 + ((i * 7919) % Math.max(10_000, Math.floor(budget / 40)));
}

interface Trace {
  output: string;
  hashes: string[];
  instret: number;
  exitCode: number | undefined;
}

function trace(g: Guest, c: Case): Trace {
  const hashes: string[] = [];
  let output = '';
  let ran = 0;
  let exitCode: number | undefined;
  const input = [...(c.input ?? [])];
  let pending = new Uint8Array(0);
  let idle = false;
  for (let i = 0; ran < c.budget && i < 5_000; i++) {
    // Input comes at its instruction count, or earlier when the guest waits for it in WFI.
    while (input.length && (input[0]![0] <= ran || idle)) pending = new Uint8Array([...pending, ...new TextEncoder().encode(input.shift()![1])]);
    if (pending.length) pending = pending.subarray(g.writeConsole(pending));
    const stop = g.run(Math.min(slice(i, c.budget), c.budget - ran));
    ran += g.lastRunCount;
    output += new TextDecoder('latin1').decode(g.readConsole());
    hashes.push(g.stateHash());
    if (stop === StopReason.Halted) {
      exitCode = g.exitCode;
      break;
    }
    if (stop === StopReason.Faulted) break;
    if (stop === StopReason.Reset) g.reset();
    idle = stop === StopReason.Wfi && g.lastRunCount === 0;
    if (idle && pending.length === 0 && input.length === 0) break;
  }
  return { output, hashes, instret: g.instret, exitCode };
}

function boot(hv: Hypervisor, c: Case, bytes: Uint8Array): Guest {
  const g = hv.createGuest({ ramBytes: c.ram ?? 16 << 20, deterministic: true });
  if (c.kernel) g.bootKernel(bytes, { bootargs: c.bootargs });
  else g.load(bytes);
  return g;
}

describe('translation on and off give the same machine', () => {
  for (const c of CASES) {
    it(`${c.name}: same transcript and stateHash after every slice`, async () => {
      const bytes = readFileSync(guestPath(c.name));
      const off = await Hypervisor.create({ jit: false });
      const on = await Hypervisor.create({ jit: JIT });
      const a = trace(boot(off, c, bytes), c);
      const b = trace(boot(on, c, bytes), c);
      expect(b.output).toBe(a.output);
      expect(b.exitCode).toBe(a.exitCode);
      expect(b.instret).toBe(a.instret);
      expect(b.hashes.length).toBe(a.hashes.length);
      const firstDiff = b.hashes.findIndex((h, i) => h !== a.hashes[i]);
      expect(firstDiff).toBe(-1);
      expect(off.jitStats().instructions).toBe(0);
      if (c.name.startsWith('bench')) {
        // The CPU benchmark runs almost entirely translated.
        expect(on.jitStats().instructions / b.instret).toBeGreaterThan(0.9);
      }
    }, 300_000);
  }

  it('Linux: boot, shell commands, same transcript and state', async () => {
    const bytes = readFileSync(guestPath('linux-rv32imac.Image'));
    const c: Case = {
      name: 'linux',
      kernel: true,
      ram: 64 << 20,
      input: [[20_000_000, 'echo $((6*7)); ls /; cat /proc/cpuinfo | head -3\n']],
      budget: 40_000_000,
    };
    const off = await Hypervisor.create({ jit: false });
    const on = await Hypervisor.create({ jit: JIT });
    const a = trace(boot(off, c, bytes), c);
    const b = trace(boot(on, c, bytes), c);
    expect(a.output).toContain('root@minivisor:/# ');
    expect(a.output).toContain('42');
    expect(b.output).toBe(a.output);
    expect(b.instret).toBe(a.instret);
    expect(b.hashes.findIndex((h, i) => h !== a.hashes[i])).toBe(-1);
    expect(on.jitStats().translations).toBeGreaterThan(100);
    expect(on.jitStats().instructions / b.instret).toBeGreaterThan(0.3);
  }, 300_000);
});

// ---- self-modifying code ----

const enc = {
  r: (f7: number, rs2: number, rs1: number, f3: number, rd: number) => ((f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | 0x33) >>> 0,
  slli: (rd: number, rs1: number, sh: number) => ((sh << 20) | (rs1 << 15) | (1 << 12) | (rd << 7) | 0x13) >>> 0,
  jalr: (rd: number, rs1: number, imm: number) => (((imm & 0xfff) << 20) | (rs1 << 15) | (rd << 7) | 0x67) >>> 0,
  fencei: () => 0x0000100f,
  amoswap: (rd: number, rs2: number, rs1: number) => ((1 << 27) | (rs2 << 20) | (rs1 << 15) | (2 << 12) | (rd << 7) | 0x2f) >>> 0,
};

/**
 * A loop that rewrites the immediate of `addi a0, a0, K` in a function on another page (K =
 * the loop counter, 200 down to 1), calls it, and exits with a0 = 20100 (the sum). With a stale
 * translation of the function, the sum comes out different.
 */
function selfModifying(withAmo: boolean): Uint8Array {
  const or = (rd: number, a: number, b: number) => enc.r(0, b, a, 6, rd);
  const t3 = 28;
  const main = [
    rv.addi(reg.a0, reg.zero, 0),
    rv.addi(reg.a1, reg.zero, 200),
    rv.lui(reg.t2, 0x80001),
    ...rv.li(reg.t0, rv.addi(reg.a0, reg.a0, 0)),
    // loop:
    enc.slli(reg.t1, reg.a1, 20),
    or(reg.t1, reg.t1, reg.t0),
    withAmo ? enc.amoswap(reg.zero, reg.t1, reg.t2) : rv.sw(reg.t1, reg.t2, 0),
    enc.fencei(),
    enc.jalr(reg.ra, reg.t2, 0),
    rv.addi(reg.a1, reg.a1, -1),
    rv.bne(reg.a1, reg.zero, -6 * 4),
    // exit with a0: (a0 << 16) | 0x3333 to the test device
    enc.slli(reg.t1, reg.a0, 16),
    ...rv.li(t3, 0x3333),
    or(reg.t1, reg.t1, t3),
    rv.lui(reg.t0, 0x100),
    rv.sw(reg.t1, reg.t0, 0),
    rv.spin(),
  ];
  const func = [rv.addi(reg.a0, reg.a0, 0), enc.jalr(reg.zero, reg.ra, 0)];
  return buildElf({
    segments: [
      { paddr: 0x8000_0000, data: code(main), flags: 5 },
      { paddr: 0x8000_1000, data: code(func), flags: 7 },
    ],
  });
}

async function runSelfModifying(hv: Hypervisor, withAmo: boolean): Promise<number | undefined> {
  const g = hv.createGuest({ ramBytes: 1 << 20, deterministic: true });
  try {
    g.load(selfModifying(withAmo));
    for (let i = 0; i < 100; i++) {
      if (g.run(10_000) === StopReason.Halted) return g.exitCode;
    }
    return undefined;
  } finally {
    g.destroy();
  }
}

describe('self-modifying code', () => {
  for (const withAmo of [false, true]) {
    const how = withAmo ? 'an AMO' : 'a store';
    it(`code rewritten by ${how} runs as rewritten, translation on and off`, async () => {
      expect(await runSelfModifying(await Hypervisor.create({ jit: false }), withAmo)).toBe(20100);
      const on = await Hypervisor.create({ jit: { hot: 1 } });
      expect(await runSelfModifying(on, withAmo)).toBe(20100);
      expect(on.jitStats().translations).toBeGreaterThan(0);
      expect(on.jitStats().invalidations).toBeGreaterThan(50);
    });

    it(`the mutant that skips invalidation on ${how} is caught (build/minivisor-jitbug.wasm)`, async () => {
      const url = new URL('../build/minivisor-jitbug.wasm', import.meta.url);
      const buggy = await Hypervisor.create({ wasm: url, jit: { hot: 1 } });
      expect(await runSelfModifying(buggy, withAmo)).not.toBe(20100);
    });
  }
});

describe('the switches', () => {
  it('the hypervisor\'s is on by default and turns off and on', async () => {
    const hv = await Hypervisor.create();
    expect(hv.jitStats().enabled).toBe(true);
    hv.setJit(false);
    expect(hv.jitStats().enabled).toBe(false);
    hv.setJit({ hot: 3 });
    expect(hv.jitStats().enabled).toBe(true);
  });

  it('a guest\'s own switch keeps it interpreted beside a translated guest, with the same results', async () => {
    const bytes = readFileSync(guestPath('bench.elf'));
    const c: Case = { name: 'bench.elf', budget: 20_000_000 };
    const hv = await Hypervisor.create({ jit: JIT });
    const slow = boot(hv, c, bytes);
    const fast = boot(hv, c, bytes);
    slow.setJit(false);
    expect(slow.jit).toBe(false);
    expect(fast.jit).toBe(true);
    // Interleaved slices: every world switch follows the incoming guest's switch.
    for (let i = 0; i < 40; i++) {
      slow.run(500_000);
      fast.run(500_000);
    }
    expect(slow.jitInstructions).toBe(0);
    expect(fast.jitInstructions / fast.instret).toBeGreaterThan(0.9);
    expect(fast.instret).toBe(slow.instret);
    expect(fast.stateHash()).toBe(slow.stateHash());
    expect(hv.jitStats().instructions).toBe(fast.jitInstructions);
    slow.setJit(true);
    slow.run(500_000);
    expect(slow.jitInstructions).toBeGreaterThan(0);
  });
});

describe('the code cache', () => {
  it('stays under its memory limit by emptying itself, and the guest runs as before', async () => {
    const bytes = readFileSync(guestPath('linux-rv32imac.Image'));
    const c: Case = { name: 'linux', kernel: true, ram: 64 << 20, budget: 8_000_000 };
    const limit = 64 * 1024;
    const off = await Hypervisor.create({ jit: false });
    const small = await Hypervisor.create({ jit: { ...JIT, cacheBytes: limit } });
    const a = trace(boot(off, c, bytes), c);
    const b = trace(boot(small, c, bytes), c);
    expect(b.output).toBe(a.output);
    expect(b.hashes.findIndex((h, i) => h !== a.hashes[i])).toBe(-1);
    const s = small.jitStats();
    expect(s.cacheLimit).toBe(limit);
    expect(s.cacheBytes).toBeLessThanOrEqual(limit);
    expect(s.codeBytes).toBeGreaterThan(4 * limit);
    expect(s.flushes).toBeGreaterThan(3);
    expect(s.instructions / b.instret).toBeGreaterThan(0.2);
  }, 300_000);
});
