// Forks share their parent's RAM copy-on-write (assembly/ram.ts), and each then runs on its own:
// parent and fork must behave exactly like independent copies of the same state (restored from
// a snapshot, which shares nothing), whatever either side writes, and whichever dies first.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Hypervisor, StopReason, type Guest } from '../src/index.js';
import { guestPath, runFor } from './helpers/guests.js';

async function bootMinios(hv: Hypervisor): Promise<Guest> {
  const g = hv.createGuest({ ramBytes: 16 << 20, deterministic: true });
  g.bootKernel(readFileSync(guestPath('minios.elf')));
  runFor(g, 3_000_000);
  return g;
}

describe('copy-on-write forks', () => {
  it('parent and fork each behave exactly like an unshared copy, with different input, interleaved', async () => {
    const hv = await Hypervisor.create();
    const other = await Hypervisor.create();
    const parent = await bootMinios(hv);
    const snap = await parent.snapshot();
    const refParent = await other.restore(snap);
    const refChild = await other.restore(snap);

    const child = parent.fork();
    expect(child.stateHash()).toBe(parent.stateHash());
    expect(parent.sharing.sharedPages).toBe(parent.ramBytes / 4096);
    expect(child.sharing.sharedPages).toBe(child.ramBytes / 4096);

    parent.writeConsole('ps\n');
    refParent.writeConsole('ps\n');
    child.writeConsole('echo I am the fork\n');
    refChild.writeConsole('echo I am the fork\n');
    // Small interleaved slices: each side writes pages the other still shares.
    let outP = '';
    let outC = '';
    let refP = '';
    let refC = '';
    for (let i = 0; i < 40; i++) {
      const n = 7_000 + ((i * 7919) % 50_000);
      outP += runFor(parent, n);
      outC += runFor(child, n + 13);
      refP += runFor(refParent, n);
      refC += runFor(refChild, n + 13);
    }
    expect(outP).toBe(refP);
    expect(outC).toBe(refC);
    expect(outC).toContain('I am the fork');
    expect(outP).not.toContain('I am the fork');
    expect(parent.stateHash()).toBe(refParent.stateHash());
    expect(child.stateHash()).toBe(refChild.stateHash());
    // Only what was written got copied.
    const copied = parent.sharing.copiedPages + child.sharing.copiedPages;
    expect(copied).toBeGreaterThan(0);
    expect(copied).toBeLessThan(parent.ramBytes / 4096 / 2);
  }, 120_000);

  it('a fork outlives its parent, and a parent outlives its fork', async () => {
    const hv = await Hypervisor.create();
    const other = await Hypervisor.create();
    const parent = await bootMinios(hv);
    const ref = await other.restore(await parent.snapshot());
    const child = parent.fork();
    const grandchild = child.fork();
    parent.destroy(); // its pages are read by both forks
    // A new guest takes the freed region: it must not see or disturb the forks' memory.
    const squatter = hv.createGuest({ ramBytes: 16 << 20 });
    squatter.ram().fill(0xa5);
    for (const g of [child, grandchild]) {
      g.writeConsole('ps\n');
    }
    ref.writeConsole('ps\n');
    const expected = runFor(ref, 2_000_000);
    expect(runFor(child, 2_000_000)).toBe(expected);
    expect(runFor(grandchild, 2_000_000)).toBe(expected);
    expect(child.stateHash()).toBe(ref.stateHash());
    expect(grandchild.stateHash()).toBe(ref.stateHash());
    grandchild.destroy();
    child.writeConsole('echo still here\n');
    expect(runFor(child, 2_000_000)).toContain('still here');
  }, 120_000);

  it('the host sees and writes a fork\'s RAM through ram() without touching the parent', async () => {
    const hv = await Hypervisor.create();
    const g = hv.createGuest({ ramBytes: 1 << 20, deterministic: true });
    g.load(readFileSync(guestPath('hello.elf')));
    const before = g.stateHash();
    const f = g.fork();
    const ram = f.ram();
    expect(ram[0]).toBe(g.pageView(0)[0]);
    ram[100] = ram[100]! ^ 0xff;
    expect(g.stateHash()).toBe(before);
    expect(f.stateHash()).not.toBe(before);
  });

  it('forks a booted Linux and both shells go on separately', async () => {
    const hv = await Hypervisor.create();
    const linux = hv.createGuest({ ramBytes: 64 << 20, deterministic: true });
    linux.bootKernel(readFileSync(guestPath('linux-rv32imac.Image')));
    let boot = '';
    for (let i = 0; i < 200 && !boot.includes(':/# '); i++) boot += runFor(linux, 1_000_000);
    expect(boot).toContain(':/# ');
    const t0 = performance.now();
    const fork = linux.fork();
    const ms = performance.now() - t0;
    console.log(`fork of a booted 64 MiB Linux: ${ms.toFixed(2)} ms, ${fork.sharing.sharedPages} pages shared`);
    linux.writeConsole('echo parent side\n');
    fork.writeConsole('echo fork side\n');
    let a = '';
    let b = '';
    for (let i = 0; i < 50 && !(/\nparent side/.test(a) && /\nfork side/.test(b)); i++) {
      a += runFor(linux, 200_000);
      b += runFor(fork, 200_000);
    }
    expect(a).toMatch(/\nparent side/);
    expect(b).toMatch(/\nfork side/);
    expect(a).not.toContain('fork side');
    expect(b).not.toContain('parent side');
    console.log(`pages copied since: parent ${linux.sharing.copiedPages}, fork ${fork.sharing.copiedPages} of ${linux.ramBytes / 4096}`);
  }, 120_000);
});

describe('dirty page tracking', () => {
  it('reports the pages written since the last look, and only those', async () => {
    const hv = await Hypervisor.create();
    const g = await bootMinios(hv);
    g.takeDirtyPages();
    expect(g.takeDirtyPages()).toEqual([]);
    const before = new Map<number, string>();
    const pages = g.ramBytes / 4096;
    for (let p = 0; p < pages; p++) before.set(p, Buffer.from(g.pageView(p)).toString('base64'));
    g.writeConsole('ps\n');
    runFor(g, 500_000);
    const dirty = new Set(g.takeDirtyPages());
    expect(dirty.size).toBeGreaterThan(0);
    // Every page whose contents changed is reported (a reported page may have been rewritten with the same bytes).
    for (let p = 0; p < pages; p++) {
      if (Buffer.from(g.pageView(p)).toString('base64') !== before.get(p)) expect(dirty.has(p)).toBe(true);
    }
  }, 60_000);
});

describe('an injected copy-on-write bug is caught', () => {
  // build/minivisor-*-cowbug.wasm (assembly/build.mjs): a write to a shared page lands in place.
  const mutant = (name: string) => new URL(`../build/minivisor-${name}.wasm`, import.meta.url).pathname;

  it('by the checked core, at the first write to a shared page', async () => {
    const hv = await Hypervisor.create({ wasm: mutant('checked-cowbug') });
    const parent = hv.createGuest({ ramBytes: 16 << 20, deterministic: true });
    parent.bootKernel(readFileSync(guestPath('minios.elf')));
    runFor(parent, 1_000_000);
    const child = parent.fork();
    let err: unknown;
    let ran = 0;
    try {
      for (let i = 0; i < 100; i++) {
        runFor(child, 10_000);
        ran += 10_000;
      }
    } catch (e) {
      err = e;
    }
    expect((err as Error)?.name).toBe('IsolationViolationError');
    console.log(`checked core caught the copy-on-write bug within ${ran + 10_000} instructions of the fork: ${(err as Error).message}`);
  });

  it('by comparing parent and fork with unshared copies, on the unchecked core', async () => {
    const hv = await Hypervisor.create({ wasm: mutant('cowbug') });
    const parent = hv.createGuest({ ramBytes: 16 << 20, deterministic: true });
    parent.bootKernel(readFileSync(guestPath('minios.elf')));
    runFor(parent, 1_000_000);
    const ref = await (await Hypervisor.create()).restore(await parent.snapshot());
    const child = parent.fork();
    child.writeConsole('ps\n');
    runFor(child, 500_000);
    runFor(parent, 500_000);
    runFor(ref, 500_000);
    // The fork's writes leaked into the parent's memory.
    expect(parent.stateHash()).not.toBe(ref.stateHash());
  });
});
