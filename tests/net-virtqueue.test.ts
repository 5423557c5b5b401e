// Malformed virtqueues (issue 15): whatever descriptors a guest hands its network card, the card
// ends in DEVICE_NEEDS_RESET with a configuration-change interrupt and a counted exit, touches
// nothing outside the guest, and leaves every other guest exactly as a solo run leaves it. Runs
// on the checked core too (vitest.config.ts), where any host address outside the guest traps;
// the core with BUG_VIRTIO_BOUNDS put back must be caught.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Hypervisor, GuestNic, IsolationViolationError, NET_ERRORS, STOP_HALTED, type Guest } from '../src/index.js';
import { guestPath } from './helpers/guests.js';

const NETDEMO = readFileSync(guestPath('netdemo.elf'));
const SPINNER = readFileSync(guestPath('spinner.elf'));
const RAM = 1 << 20;
const BASE = 0x8000_0000;
const VNET = 0x1000_1000;
// Where the test puts the script and the rings in the attacker's RAM (netdemo's script mode).
const SCRIPT = 0x8_0000;
const DESC = 0x9_0000;
const AVAIL = 0x9_1000;
const USED = 0x9_2000;
const BUF = 0x9_3000;

interface Desc { addr: number; hi?: number; len: number; flags: number; next: number }
interface Scenario {
  queue: 0 | 1;
  num?: number;
  desc?: Desc[];
  availIdx?: number;
  ring?: number[];
  /** ring addresses instead of the usual ones */
  descAt?: number;
  /** a frame the host gives the card first (for the receiveq) */
  rxFrame?: boolean;
  header?: number[];
}

function script(s: Scenario): number[][] {
  const w = (reg: number, v: number) => [1, VNET + reg, v >>> 0];
  const q = s.queue;
  return [
    w(0x70, 0), w(0x70, 1), w(0x70, 3),
    w(0x24, 0), w(0x20, 0x20), w(0x24, 1), w(0x20, 1), w(0x70, 0xb),
    w(0x30, q), w(0x38, s.num ?? 8),
    w(0x80, s.descAt ?? BASE + DESC), w(0x84, 0), w(0x90, BASE + AVAIL), w(0x94, 0), w(0xa0, BASE + USED), w(0xa4, 0),
    w(0x44, 1), w(0x70, 0xf), w(0x50, q),
    [2, VNET + 0x70, 0], [2, VNET + 0x60, 0],
  ];
}

function attacker(hv: Hypervisor, s: Scenario): Guest {
  const g = hv.createGuest({ ramBytes: RAM, deterministic: true });
  g.load(NETDEMO);
  const nic = new GuestNic(g);
  nic.setMac('52:54:00:00:02:09'); // script mode
  const ram = g.ram();
  const v = new DataView(ram.buffer, ram.byteOffset, ram.byteLength);
  script(s).forEach((e, i) => e.forEach((x, k) => v.setUint32(SCRIPT + 12 * i + 4 * k, x, true)));
  (s.desc ?? []).forEach((d, i) => {
    v.setUint32(DESC + 16 * i, d.addr >>> 0, true);
    v.setUint32(DESC + 16 * i + 4, d.hi ?? 0, true);
    v.setUint32(DESC + 16 * i + 8, d.len >>> 0, true);
    v.setUint16(DESC + 16 * i + 12, d.flags, true);
    v.setUint16(DESC + 16 * i + 14, d.next, true);
  });
  v.setUint16(AVAIL + 2, s.availIdx ?? 1, true);
  (s.ring ?? [0]).forEach((h, i) => v.setUint16(AVAIL + 4 + 2 * i, h, true));
  ram.set(s.header ?? new Array(12).fill(0), BUF);
  if (s.rxFrame) nic.deliver(new Uint8Array(60).fill(0xab));
  return g;
}

const buf = (len: number, flags = 0, next = 0): Desc => ({ addr: BASE + BUF, len, flags, next });
const NEXT = 1;
const WRITE = 2;

const SCENARIOS: Record<string, { s: Scenario; error: (typeof NET_ERRORS)[number] }> = {
  'descriptor straddling the end of RAM': { s: { queue: 1, desc: [{ addr: BASE + RAM - 8, len: 72, flags: 0, next: 0 }] }, error: 'descriptor outside RAM' },
  'descriptor above 4 GiB (high word set)': { s: { queue: 1, desc: [{ addr: BASE + BUF, hi: 1, len: 72, flags: 0, next: 0 }] }, error: 'descriptor outside RAM' },
  'descriptor below RAM': { s: { queue: 1, desc: [{ addr: 0x1000_1000, len: 72, flags: 0, next: 0 }] }, error: 'descriptor outside RAM' },
  'huge length wrapping around': { s: { queue: 1, desc: [{ addr: BASE + BUF, len: 0xffff_fff0, flags: 0, next: 0 }] }, error: 'descriptor outside RAM' },
  'a chain that loops': { s: { queue: 1, desc: [buf(12, NEXT, 1), buf(60, NEXT, 0)] }, error: 'chain loops or longer than the queue' },
  'a descriptor that points at itself': { s: { queue: 1, desc: [buf(12, NEXT, 0)] }, error: 'chain loops or longer than the queue' },
  'next index beyond the queue': { s: { queue: 1, desc: [buf(12, NEXT, 200)] }, error: 'next index out of range' },
  'header shorter than 12 bytes': { s: { queue: 1, desc: [buf(8)] }, error: 'bad header' },
  'header asking for GSO': { s: { queue: 1, desc: [buf(72)], header: [0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] }, error: 'bad header' },
  'frame longer than 1518 bytes': { s: { queue: 1, desc: [buf(12 + 1600)] }, error: 'frame size' },
  'queue size not a power of 2': { s: { queue: 1, num: 3, desc: [buf(72)] }, error: 'queue size' },
  'queue size above the maximum': { s: { queue: 1, num: 512, desc: [buf(72)] }, error: 'queue size' },
  'descriptor table past the end of RAM': { s: { queue: 1, descAt: BASE + RAM - 64, desc: [] }, error: 'ring outside RAM' },
  'available index jumping past the queue': { s: { queue: 1, availIdx: 100, desc: [buf(72)] }, error: 'available index' },
  'head index beyond the queue': { s: { queue: 1, ring: [9], desc: [buf(72)] }, error: 'head index out of range' },
  'indirect descriptor (not negotiated)': { s: { queue: 1, desc: [buf(72, 4)] }, error: 'indirect descriptor' },
  'read-only buffer in the receiveq': { s: { queue: 0, rxFrame: true, desc: [buf(1536)] }, error: 'descriptor direction' },
  'receive buffer past the end of RAM': { s: { queue: 0, rxFrame: true, desc: [{ addr: BASE + RAM - 16, len: 0x1_0000, flags: WRITE, next: 0 }] }, error: 'descriptor outside RAM' },
};

/** Runs a bystander (spinner) and the attacker in turns; returns the bystander's state hash after `total` instructions. */
function runBeside(hv: Hypervisor, attackerGuest: Guest | undefined, total = 400_000): { hash: string; out: string } {
  const by = hv.createGuest({ ramBytes: RAM, deterministic: true });
  by.load(SPINNER);
  let out = '';
  for (let done = 0; done < total; done += 20_000) {
    by.run(20_000);
    by.readConsole();
    if (attackerGuest && !attackerGuest.isDestroyed) {
      const stop = attackerGuest.run(20_000);
      out += new TextDecoder().decode(attackerGuest.readConsole());
      if (stop === STOP_HALTED) {
        const g = attackerGuest;
        attackerGuest = undefined;
        void g;
      }
    }
  }
  const hash = by.stateHash();
  by.destroy();
  return { hash, out };
}

describe('malformed virtqueues end in DEVICE_NEEDS_RESET, with no effect on anyone else', async () => {
  const solo = runBeside(await Hypervisor.create(), undefined);

  for (const [name, { s, error }] of Object.entries(SCENARIOS)) {
    it(name, async () => {
      const hv = await Hypervisor.create();
      const g = attacker(hv, s);
      const { hash, out } = runBeside(hv, g);
      expect(out).toContain('netdemo: script done');
      // The status read back by the guest has DEVICE_NEEDS_RESET, the interrupt status the config change.
      expect(out).toMatch(/r 0x10001070 = 0x0000004f/);
      expect(out).toMatch(/r 0x10001060 = 0x0000000[23]/);
      const stats = new GuestNic(g).stats();
      expect(stats.lastError).toBe(error);
      expect(stats.txFrames + stats.rxFrames).toBe(0);
      const exits = Object.fromEntries(g.exits().map((e) => [e.name, e.count]));
      expect(exits['virtio-net:needs-reset']).toBe(1);
      expect(exits['virtio-net:interrupt']).toBeGreaterThanOrEqual(1);
      // The bystander is exactly as it is when it runs alone.
      expect(hash).toBe(solo.hash);
      hv.destroyAll();
    });
  }

  it('a well-formed frame goes out after all (the scenarios fail for their reason only)', async () => {
    const hv = await Hypervisor.create();
    const frame = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0, 0, 2, 9, 0x88, 0xb5];
    const g = attacker(hv, { queue: 1, desc: [buf(12, NEXT, 1), { addr: BASE + BUF + 12, len: 60, flags: 0, next: 0 }], header: [...new Array(12).fill(0), ...frame] });
    const { out } = runBeside(hv, g);
    expect(out).toMatch(/r 0x10001070 = 0x0000000f/);
    expect(out).toMatch(/r 0x10001060 = 0x00000001/);
    const nic = new GuestNic(g);
    const sent = nic.takeFrames();
    expect(sent).toHaveLength(1);
    expect([...sent[0]!.subarray(0, 14)]).toEqual(frame);
    expect(nic.stats().lastError).toBe('none');
    hv.destroyAll();
  });
});

describe('a bounds bug put back in the card (BUG_VIRTIO_BOUNDS) is caught', () => {
  it('by the checked core, on a receive buffer that runs past the end of RAM', async () => {
    const hv = await Hypervisor.create({ wasm: new URL('../build/minivisor-checked-vnetbug.wasm', import.meta.url).pathname });
    const g = attacker(hv, SCENARIOS['receive buffer past the end of RAM']!.s);
    let caught: unknown;
    try {
      for (let i = 0; i < 100 && !caught; i++) g.run(20_000);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(IsolationViolationError);
    expect((caught as IsolationViolationError).check).toBe('virtio DMA');
  });
});
