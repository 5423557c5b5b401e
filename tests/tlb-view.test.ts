// The Machine panel's TLB view (src/web/worker/tlb.ts) reads the core's software TLBs straight
// from its memory, with constants copied from assembly/hart.ts. If the core's layout moved, these
// fail rather than the panel quietly showing nothing or garbage.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Hypervisor, type Guest } from '../src/index.js';
import { walk } from '../src/web/worker/inspect.js';
import { readTlb } from '../src/web/worker/tlb.js';
import { guestPath, runFor } from './helpers/guests.js';

const tlbOf = (g: Guest) => readTlb(g, (va) => walk(g, va).pa);

describe('the TLB view', () => {
  it('a paged kernel that just ran: its PC\'s page is in the fetch TLB, and every entry agrees with its page table', async () => {
    const hv = await Hypervisor.create();
    const g = hv.createGuest({ ramBytes: 16 << 20, deterministic: true });
    g.bootKernel(readFileSync(guestPath('minios.elf')));
    runFor(g, 3_000_000);
    // caught mid-command: the shell and the kernel at work, not asleep in WFI after a trap
    g.writeConsole('ps\n');
    let out = '';
    for (let i = 0; i < 2000 && !out.includes('PID'); i++) {
      g.run(2000);
      out += new TextDecoder().decode(g.readConsole());
    }
    expect(out).toContain('PID');
    const t = tlbOf(g);
    expect(t.mode).toBe('Sv32');
    expect(t.slots).toBe(256);
    expect(t.entries.length).toBeGreaterThan(1);
    const pcPage = (g.pc & ~0xfff) >>> 0;
    const mine = t.entries.find((e) => e.va === pcPage);
    expect(mine).toMatchObject({ exec: true, index: (g.pc >>> 12) & 0xff, agrees: true });
    expect(mine!.pa).toBe((walk(g, g.pc).pa! & ~0xfff) >>> 0);
    for (const e of t.entries) {
      expect(e.index).toBe((e.va >>> 12) & 0xff);
      expect(e.agrees).toBe(true);
      expect(e.pa! >= 0x80000000 && e.pa! < 0x80000000 + g.ramBytes).toBe(true);
      expect(e.read || e.write || e.exec).toBe(true);
    }
    // a store entry's page really is the guest's: what the TLB maps is what readPhysical reads
    const w = t.entries.find((e) => e.write)!;
    expect(w).toBeDefined();
    expect(g.readPhysical(w.pa!, 16)).toEqual(g.readPhysical(walk(g, w.va).pa!, 16));
  });

  it('a bare-metal guest: each entry maps a page to itself; a world switch to another guest empties them', async () => {
    const hv = await Hypervisor.create();
    const a = hv.createGuest({ ramBytes: 1 << 20 });
    a.load(readFileSync(guestPath('bench.elf')));
    a.run(200_000);
    const t = tlbOf(a);
    expect(t.mode).toBe('bare');
    expect(t.entries.length).toBeGreaterThan(0);
    for (const e of t.entries) {
      expect(e.pa).toBe(e.va);
      expect(e.agrees).toBeUndefined();
    }
    const b = hv.createGuest({ ramBytes: 1 << 20 });
    b.load(readFileSync(guestPath('bench.elf')));
    b.run(1000); // b is switched in: a's entries are gone
    expect(tlbOf(a).entries).toEqual([]);
    a.run(1000);
    expect(tlbOf(a).entries.length).toBeGreaterThan(0);
  });

  it('a fork reading its parent\'s pages: entries point at the shared pages, as the parent\'s guest-physical pages', async () => {
    const hv = await Hypervisor.create();
    const parent = hv.createGuest({ ramBytes: 1 << 20 });
    parent.load(readFileSync(guestPath('bench.elf')));
    parent.run(100_000);
    const child = parent.fork();
    child.run(1000);
    const t = tlbOf(child);
    const exec = t.entries.filter((e) => e.exec);
    expect(exec.length).toBeGreaterThan(0);
    // code is only read, never written: those pages are still the parent's, shared
    for (const e of exec) expect(e).toMatchObject({ shared: true, pa: e.va });
  });
});
