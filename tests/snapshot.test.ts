// A guest's state as a value: a guest snapshotted after N instructions and restored into
// another hypervisor instance continues byte for byte as the original (deterministic time):
// same console transcript, same stateHash() after M more instructions. Also bad snapshots.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Hypervisor, SnapshotError, StopReason, readSnapshot, type Guest } from '../src/index.js';
import { guestPath, runFor } from './helpers/guests.js';

interface Machine {
  name: string;
  ramBytes: number;
  boot(g: Guest): void;
  /** console input typed at the start, in the middle of which snapshots are taken */
  input?: string;
  /** instructions to run before the first snapshot point */
  warmup: number;
}

const linux = readFileSync(guestPath('linux-rv32imac.Image'));
const MACHINES: Machine[] = [
  { name: 'hello', ramBytes: 1 << 20, boot: (g) => g.load(readFileSync(guestPath('hello.elf'))), warmup: 0 },
  {
    name: 'echo',
    ramBytes: 1 << 20,
    boot: (g) => g.load(readFileSync(guestPath('echo.elf'))),
    input: 'hello world\nsecond line\n',
    warmup: 2_000,
  },
  { name: 'minios', ramBytes: 16 << 20, boot: (g) => g.bootKernel(readFileSync(guestPath('minios.elf'))), input: 'ps\n', warmup: 200_000 },
  { name: 'linux', ramBytes: 64 << 20, boot: (g) => g.bootKernel(linux), input: 'echo $((6*7))\n', warmup: 4_000_000 },
];

/** xorshift32: fixed seeds, the same points on every run. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

describe('snapshot and restore are exact', () => {
  for (const m of MACHINES) {
    it(`${m.name}: at random points, the restored guest continues exactly as the original`, async () => {
      const hvA = await Hypervisor.create();
      const hvB = await Hypervisor.create();
      const next = rng(0x5eed + m.name.length);
      const original = hvA.createGuest({ ramBytes: m.ramBytes, deterministic: true });
      m.boot(original);
      if (m.input) original.writeConsole(m.input);
      runFor(original, m.warmup);
      const points = m.name === 'linux' ? 3 : 6;
      for (let i = 0; i < points; i++) {
        runFor(original, next() % (m.name === 'linux' ? 400_000 : 20_000));
        // Part of the output stays in the console buffer: it must travel in the snapshot too.
        const bytes = await original.snapshot();
        const copy = await hvB.restore(bytes);
        expect(copy.stateHash()).toBe(original.stateHash());
        expect(copy.instret).toBe(original.instret);
        const more = 1 + (next() % 300_000);
        const a = runFor(original, more);
        const b = runFor(copy, more);
        expect(b).toBe(a);
        expect(copy.stateHash()).toBe(original.stateHash());
        expect(copy.pc).toBe(original.pc);
        copy.destroy();
      }
    }, 120_000);
  }

  it('carries pending UART input and a pending timer interrupt', async () => {
    const hvA = await Hypervisor.create();
    const hvB = await Hypervisor.create();
    const g = hvA.createGuest({ ramBytes: 16 << 20, deterministic: true });
    g.bootKernel(readFileSync(guestPath('minios.elf')));
    runFor(g, 3_000_000);
    g.writeConsole('echo typed before the snapshot\n');
    // Stop in the middle of the input: some bytes are still in the UART's queue.
    runFor(g, 50);
    const bytes = await g.snapshot();
    const snap = await readSnapshot(bytes);
    expect(snap.header.machine.mode).toBe('kernel');
    expect(snap.header.time.deterministic).toBe(true);
    const copy = await hvB.restore(snap);
    const a = runFor(g, 3_000_000);
    const b = runFor(copy, 3_000_000);
    expect(a).toContain('typed before the snapshot');
    expect(b).toBe(a);
    expect(copy.stateHash()).toBe(g.stateHash());
  }, 60_000);

  it('keeps counting exits and can be reset to its boot image after a restore', async () => {
    const hv = await Hypervisor.create();
    const g = hv.createGuest({ ramBytes: 1 << 20, deterministic: true });
    g.load(readFileSync(guestPath('hello.elf')));
    runFor(g, 500);
    const copy = await hv.restore(await g.snapshot());
    expect(copy.exitCounters()).toEqual(g.exitCounters());
    copy.reset();
    const fresh = runFor(freshHello(hv), 10_000_000);
    expect(fresh).toContain('Hello');
    expect(runFor(copy, 10_000_000)).toBe(fresh);
  });
});

function freshHello(hv: Hypervisor): Guest {
  const g = hv.createGuest({ ramBytes: 1 << 20, deterministic: true });
  g.load(readFileSync(guestPath('hello.elf')));
  return g;
}

describe('bad snapshots are refused with a typed error, and nothing changes', () => {
  async function sample(): Promise<{ hv: Hypervisor; bytes: Uint8Array }> {
    const hv = await Hypervisor.create();
    const g = hv.createGuest({ ramBytes: 1 << 20, deterministic: true });
    g.load(readFileSync(guestPath('hello.elf')));
    runFor(g, 1000);
    return { hv, bytes: await g.snapshot() };
  }

  async function refused(hv: Hypervisor, bytes: Uint8Array, code: string, message: RegExp): Promise<void> {
    const before = hv.guestCount;
    const err = await hv.restore(bytes).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SnapshotError);
    expect((err as SnapshotError).code).toBe(code);
    expect((err as Error).message).toMatch(message);
    expect(hv.guestCount).toBe(before);
  }

  it('truncated', async () => {
    const { hv, bytes } = await sample();
    await refused(hv, bytes.subarray(0, bytes.length - 100), 'truncated', /truncated/);
    await refused(hv, bytes.subarray(0, 5), 'truncated', /truncated/);
  });

  it('corrupted (hash mismatch)', async () => {
    const { hv, bytes } = await sample();
    const bad = bytes.slice();
    bad[bad.length - 200]! ^= 0x40;
    await refused(hv, bad, 'corrupted', /SHA-256/);
  });

  it('foreign: not a snapshot', async () => {
    const { hv } = await sample();
    await refused(hv, readFileSync(guestPath('hello.elf')), 'not-a-snapshot', /not a minivisor snapshot/);
    await refused(hv, new Uint8Array(0), 'not-a-snapshot', /empty/);
  });

  it('too new', async () => {
    const { hv, bytes } = await sample();
    const bad = bytes.slice();
    new DataView(bad.buffer).setUint16(8, 2, true);
    await refused(hv, bad, 'too-new', /newer than this minivisor reads/);
  });

  it('needs more RAM than the instance can give', async () => {
    const { hv, bytes } = await sample();
    hv.setMemoryLimit(0);
    await refused(hv, bytes, 'no-room', /cannot restore the snapshot: out of host memory/);
  });
});

describe('live migration by pre-copy', () => {
  it('moves a running guest between instances: rounds of dirty pages, then a short stop-and-copy, nothing lost or repeated', async () => {
    const { MigrationSource, MigrationTarget } = await import('../src/index.js');
    const src = await Hypervisor.create();
    const dst = await Hypervisor.create();
    const ref = await Hypervisor.create();
    const g = src.createGuest({ ramBytes: 16 << 20, deterministic: true });
    g.bootKernel(readFileSync(guestPath('minios.elf')));
    runFor(g, 3_000_000);
    // The reference: the same state, never migrated, given the same instructions and input.
    const twin = await ref.restore(await g.snapshot());
    g.writeConsole('ps\n');
    twin.writeConsole('ps\n');
    let outG = '';
    let outT = '';
    const source = new MigrationSource(g, { stopBelow: 8, maxRounds: 6 });
    const target = new MigrationTarget(dst, g.ramBytes);
    target.receive(source.firstRound());
    for (;;) {
      // The guest keeps running between rounds.
      outG += runFor(g, 100_000);
      outT += runFor(twin, 100_000);
      const batch = source.nextRound();
      if (!batch) break;
      target.receive(batch);
    }
    const final = await source.finish();
    target.receive(final.pages);
    const moved = await target.finish(final.state);
    g.destroy();
    expect(moved.stateHash()).toBe(twin.stateHash());
    moved.writeConsole('echo after the move\n');
    twin.writeConsole('echo after the move\n');
    outG += runFor(moved, 2_000_000);
    outT += runFor(twin, 2_000_000);
    expect(outG).toBe(outT);
    expect(outG).toContain('after the move');
    expect(moved.stateHash()).toBe(twin.stateHash());
    expect(source.rounds.length).toBeGreaterThanOrEqual(2);
    expect(source.rounds.at(-1)!.pages).toBeLessThan(source.rounds[0]!.pages);
  }, 60_000);
});
