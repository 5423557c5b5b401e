// virtio-net fuzzing (issue 15): random virtqueues — descriptor tables, available and used rings,
// chains, headers, queue sizes, ring addresses — handed to the network card by netdemo.elf's
// MMIO-script mode (the script at 0x80080000 sets the queue up and notifies it), next to victim
// guests on the same core instance.
//
// Each case runs on a fresh attacker guest and is checked against a model of the card written
// from docs/network.md (the rules a malformed queue breaks, the order the card checks them in,
// what a correct transfer writes). For every case:
//  - the core never traps and, on the checked core, never throws IsolationViolationError;
//  - the attacker finishes its script (it is never stuck);
//  - the card ends in DEVICE_NEEDS_RESET for the reason the model gives, or made exactly the
//    transfers the model makes: the frames sent (bytes), the frames received into the guest's
//    buffers, the used rings, every byte of RAM the card may touch (0x81000 up), the device
//    status and interrupt status the guest reads back, the card's counters;
//  - the victims (a spinner and a guest asleep in WFI) end exactly as they do in a solo run of
//    the same slices: console and state hash.
//
// Everything derives from the seed: `node fuzz/virtio.mjs --seed N --cases M [--core path]`
// (after `npm run build`). With `--core build/minivisor-vnetbug.wasm` or
// `build/minivisor-checked-vnetbug.wasm` (BUG_VIRTIO_BOUNDS, `npm run build:core`) it reports
// how fast the bounds bug is found.

import { readFileSync } from 'node:fs';

const GUESTS = new URL('../guests/bin/', import.meta.url);
const NETDEMO = readFileSync(new URL('netdemo.elf', GUESTS));
const VICTIMS = ['spinner.elf', 'idle.elf'].map((f) => readFileSync(new URL(f, GUESTS)));

export const RAM = 1 << 20;
const RAM_BASE = 0x8000_0000;
const VNET = 0x1000_1000;
const SCRIPT = 0x8_0000; // netdemo's script (fixed in netdemo.c)
/** From here up the guest never writes and the card may: the model knows every byte. */
export const DMA_LO = 0x8_1000;
const ARENA = 0x9_0000; // random bytes: frames and headers come from here
const ARENA_SIZE = 0x1_0000;
const HDR = 12;
const QUEUE_MAX = 256;
const TX_CAP = 0x3000;
const MIN_FRAME = 14;
const MAX_FRAME = 1518;
const F_NEXT = 1;
const F_WRITE = 2;
const F_INDIRECT = 4;
const VICTIM_SLICE = 3_000;

/** mulberry32: a small seeded generator. */
export function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    u32: () => Math.floor(next() * 4294967296) >>> 0,
    chance: (p) => next() < p,
    pick: (xs) => xs[Math.floor(next() * xs.length)],
  };
}

// ---- cases: a well-formed setup, then a few mutations ----

/** A well-formed queue for q (1: transmit, 0: receive) with 1..4 chains of 1..3 descriptors. */
function wellFormed(g, q) {
  const c = {
    q,
    num: 8,
    desc: RAM_BASE + 0x8_1000,
    avail: RAM_BASE + 0x8_2000,
    used: RAM_BASE + 0x8_3000,
    descHi: 0,
    availHi: 0,
    usedHi: 0,
    availFlags: 0,
    availIdx: 0,
    ring: [],
    descs: [],
    zeroHeaders: [], // RAM offsets where a 12-byte zero header goes (TX)
    rxLen: q === 0 ? 14 + g.int(MAX_FRAME - 14 + 1) : undefined,
    writes: [], // [offset, bytes] raw writes after everything else
  };
  const chains = 1 + g.int(4);
  let d = 0;
  for (let k = 0; k < chains && d < 8; k++) {
    const parts = Math.min(1 + g.int(3), 8 - d);
    const frame = q === 1 ? MIN_FRAME + g.int(MAX_FRAME - MIN_FRAME + 1) : 0;
    const total = q === 1 ? HDR + frame : HDR + c.rxLen + (g.chance(0.15) ? -1 - g.int(8) : g.int(200));
    // Split total into `parts` lengths (the last takes the rest).
    const lens = [];
    let left = total;
    for (let p = 0; p < parts - 1; p++) {
      const l = g.int(left + 1);
      lens.push(l);
      left -= l;
    }
    lens.push(left);
    c.ring.push(d);
    for (let p = 0; p < parts; p++) {
      const addr = RAM_BASE + ARENA + g.int(ARENA_SIZE - 0x800);
      c.descs[d] = { addr, hi: 0, len: lens[p] >>> 0, flags: (q === 0 ? F_WRITE : 0) | (p < parts - 1 ? F_NEXT : 0), next: p < parts - 1 ? d + 1 : g.int(8) };
      if (q === 1 && p === 0) c.zeroHeaders.push(addr - RAM_BASE);
      d++;
    }
  }
  c.availIdx = c.ring.length;
  return c;
}

/** An address the card must refuse for a range of `len` bytes (or, at times, one that just fits). */
function edgeAddress(g, len) {
  return g.pick([
    () => RAM_BASE + RAM - 1 - g.int(Math.max(1, Math.min(len, 4096))), // straddles the end of RAM
    () => RAM_BASE + RAM - Math.min(len, RAM), // ends exactly at the end: fine
    () => RAM_BASE + RAM + g.int(0x10000), // just past
    () => RAM_BASE - 1 - g.int(0x1000), // just below
    () => VNET,
    () => 0,
    () => 0xffff_f000 + g.int(0x1000),
    () => g.u32(),
  ])();
}

const MUTATIONS = [
  (g, c) => (c.num = g.pick([0, 1, 2, 3, 4, 5, 7, 12, 16, 255, 256, 257, 512, 1 << 16, g.u32()])),
  (g, c) => {
    const which = g.pick(['desc', 'avail', 'used']);
    const size = which === 'desc' ? c.num * 16 : which === 'avail' ? 6 + 2 * c.num : 6 + 8 * c.num;
    c[which] = g.pick([
      () => c[which] + 1 + g.int(15), // misaligned
      () => edgeAddress(g, size),
      () => RAM_BASE + DMA_LO + g.int(0x1_0000) * 16, // elsewhere, maybe over another ring or a buffer
    ])();
  },
  (g, c) => (c[g.pick(['descHi', 'availHi', 'usedHi'])] = 1 + g.int(0xffff)),
  (g, c) => (c.availIdx = g.pick([0, c.num + 1 + g.int(100), g.int(0x10000), 0xffff])),
  (g, c) => c.ring.length > 0 && (c.ring[g.int(c.ring.length)] = g.pick([c.num, c.num + g.int(100), g.int(0x10000), g.int(8)])),
  (g, c) => {
    const d = c.descs[g.int(8)];
    if (d) d.addr = edgeAddress(g, d.len);
  },
  (g, c) => {
    const d = c.descs[g.int(8)];
    if (d) d.hi = g.pick([1, 0xffff_ffff, g.u32()]);
  },
  (g, c) => {
    const d = c.descs[g.int(8)];
    if (d) d.len = g.pick([0, 1, 11, 12, 13, 25, 1530, 1531, 0x1_0000, RAM, 0x7fff_ffff, 0xffff_ffff, g.u32()]) >>> 0;
  },
  (g, c) => {
    const d = c.descs[g.int(8)];
    if (d) d.flags ^= g.pick([F_NEXT, F_WRITE, F_INDIRECT, g.int(0x10000)]);
  },
  (g, c) => {
    const d = c.descs[g.int(8)];
    if (d) {
      d.flags |= F_NEXT;
      d.next = g.pick([g.int(8), c.num, g.int(0x10000), c.descs.indexOf(d)]);
    }
  },
  (g, c) => c.q === 1 && c.zeroHeaders.length > 0 && c.writes.push([c.zeroHeaders[0] + g.pick([0, 1]), [g.pick([1, 2, 3, 0x81, 0xff])]]),
  (g, c) => c.q === 0 && (c.rxLen = g.pick([0, 13, 1519, 2000, 14, 1518])),
  (g, c) => (c.availFlags = 1),
  (g, c) => {
    // A buffer of a chain the card will walk, across the end of RAM (or just inside it).
    const d = c.descs[c.ring[g.int(c.ring.length)] ?? 0];
    if (d && d.len > 1) d.addr = RAM_BASE + RAM - (g.chance(0.8) ? 1 + g.int(d.len - 1) : d.len);
  },
  (g, c) => {
    // A buffer over the rings themselves (a receive overwrites them while the card works).
    const d = c.descs[g.int(8)];
    if (d) d.addr = g.pick([c.desc, c.avail, c.used]) + g.int(64);
  },
];

/** A random case: a well-formed queue and 0..3 mutations (a third of the cases stay well-formed). */
export function randomCase(g) {
  const c = wellFormed(g, g.chance(0.5) ? 1 : 0);
  const n = g.chance(0.3) ? 0 : 1 + g.int(3);
  for (let i = 0; i < n; i++) g.pick(MUTATIONS)(g, c);
  c.arenaSeed = g.u32();
  return c;
}

// ---- the attacker's RAM: script, rings, arena ----

function script(c) {
  const w = (reg, v) => [1, VNET + reg, v >>> 0];
  return [
    w(0x70, 0), w(0x70, 1), w(0x70, 3),
    w(0x24, 0), w(0x20, 0x20), w(0x24, 1), w(0x20, 1), w(0x70, 0xb),
    w(0x30, c.q), w(0x38, c.num),
    w(0x80, c.desc), w(0x84, c.descHi), w(0x90, c.avail), w(0x94, c.availHi), w(0xa0, c.used), w(0xa4, c.usedHi),
    w(0x44, 1), w(0x70, 0xf), w(0x50, c.q),
    [2, VNET + 0x70, 0], [2, VNET + 0x60, 0],
  ];
}

/** Writes the case into RAM (a guest's, or the model's copy). Rings that are outside RAM are skipped. */
function layOut(c, ram) {
  const v = new DataView(ram.buffer, ram.byteOffset, ram.byteLength);
  const arena = rng(c.arenaSeed);
  for (let i = 0; i < ARENA_SIZE; i += 4) v.setUint32(ARENA + i, arena.u32(), true);
  for (const off of c.zeroHeaders) ram.fill(0, off, off + HDR);
  const inRam = (addr, n) => addr >= RAM_BASE && addr - RAM_BASE + n <= RAM;
  const descBase = c.desc >>> 0;
  c.descs.forEach((d, i) => {
    if (!d) return;
    const at = descBase + 16 * i;
    if (!inRam(at, 16)) return;
    const o = at - RAM_BASE;
    v.setUint32(o, d.addr >>> 0, true);
    v.setUint32(o + 4, d.hi >>> 0, true);
    v.setUint32(o + 8, d.len >>> 0, true);
    v.setUint16(o + 12, d.flags & 0xffff, true);
    v.setUint16(o + 14, d.next & 0xffff, true);
  });
  const avail = c.avail >>> 0;
  if (inRam(avail, 4 + 2 * c.ring.length) && (avail & 1) === 0) {
    v.setUint16(avail - RAM_BASE, c.availFlags, true);
    v.setUint16(avail - RAM_BASE + 2, c.availIdx & 0xffff, true);
    c.ring.forEach((h, i) => v.setUint16(avail - RAM_BASE + 4 + 2 * i, h & 0xffff, true));
  }
  for (const [off, bytes] of c.writes) ram.set(bytes, off);
  script(c).forEach((e, i) => e.forEach((x, k) => v.setUint32(SCRIPT + 12 * i + 4 * k, x, true)));
}

function rxFrame(c) {
  const f = new Uint8Array(c.rxLen);
  const g = rng(c.arenaSeed ^ 0x5eed);
  for (let i = 0; i < f.length; i++) f[i] = g.int(256);
  return f;
}

// ---- the model: what the card must do with this queue (docs/network.md) ----

const NOT_RAM = -1;
function ramSpan(lo, hi, len) {
  const off = (lo - RAM_BASE) >>> 0;
  if (hi !== 0 || off >= RAM) return NOT_RAM;
  if (len > RAM - off) return NOT_RAM;
  return off;
}

class ModelError extends Error {}

/**
 * Runs the case on the model: `ram` is the attacker's RAM as laid out (changed in place as the
 * card would change it). Returns the status and interrupt status the guest reads back, the
 * reason of DEVICE_NEEDS_RESET (or 'none'), the frames sent, and the counters.
 */
export function model(c, ram) {
  const v = new DataView(ram.buffer, ram.byteOffset, ram.byteLength);
  const out = { status: 0x0f, isr: 0, error: 'none', tx: [], rxFrames: 0, rxDropped: 0 };
  const fail = (why) => {
    out.status |= 0x40;
    out.isr |= 2;
    out.error = why;
    throw new ModelError(why);
  };
  const rxPending = c.q === 0 && c.rxLen >= MIN_FRAME && c.rxLen <= MAX_FRAME;
  if (c.q === 0 && !rxPending) out.rxDropped++;
  try {
    const num = c.num >>> 0;
    if (num === 0 || num > QUEUE_MAX || (num & (num - 1)) !== 0) fail('queue size');
    const desc = ramSpan(c.desc >>> 0, c.descHi, num * 16);
    const avail = ramSpan(c.avail >>> 0, c.availHi, 6 + 2 * num);
    const used = ramSpan(c.used >>> 0, c.usedHi, 6 + 8 * num);
    if (desc === NOT_RAM || avail === NOT_RAM || used === NOT_RAM || desc & 15 || avail & 1 || used & 3) fail('ring outside RAM');
    let last = 0;
    let usedIdx = 0;
    let chainLen = 0;
    let chainTotal = 0;
    const descAt = (i) => {
      const o = desc + 16 * i;
      const len = v.getUint32(o + 8, true);
      return { off: ramSpan(v.getUint32(o, true), v.getUint32(o + 4, true), len), len, flags: v.getUint16(o + 12, true), next: v.getUint16(o + 14, true) };
    };
    const walk = (write) => {
      const pending = (v.getUint16(avail + 2, true) - last) & 0xffff;
      if (pending === 0) return -1;
      if (pending > num) fail('available index');
      const head = v.getUint16(avail + 4 + 2 * (last & (num - 1)), true);
      if (head >= num) fail('head index out of range');
      let i = head;
      let n = 0;
      let total = 0;
      for (;;) {
        if (n >= num) fail('chain loops or longer than the queue');
        const d = descAt(i);
        if (d.flags & F_INDIRECT) fail('indirect descriptor');
        if (((d.flags & F_WRITE) !== 0) !== write) fail('descriptor direction');
        if (d.off === NOT_RAM) fail('descriptor outside RAM');
        n++;
        total = Math.min(total + d.len, 0xffff_ffff);
        if ((d.flags & F_NEXT) === 0) break;
        i = d.next;
        if (i >= num) fail('next index out of range');
      }
      chainLen = n;
      chainTotal = total;
      return head;
    };
    /** Copies n bytes between the chain and `buf`, re-reading each descriptor as the card does. */
    const copyChain = (head, buf, toGuest) => {
      let i = head;
      let at = 0;
      let n = buf.length;
      for (let k = 0; k < chainLen && n > 0; k++) {
        const d = descAt(i);
        if (d.off === NOT_RAM) return;
        const chunk = Math.min(n, d.len);
        if (toGuest) ram.set(buf.subarray(at, at + chunk), d.off);
        else buf.set(ram.subarray(d.off, d.off + chunk), at);
        at += chunk;
        n -= chunk;
        i = d.next;
      }
    };
    const putUsed = (head, len) => {
      const e = used + 4 + 8 * (usedIdx & (num - 1));
      v.setUint32(e, head, true);
      v.setUint32(e + 4, len, true);
      usedIdx = (usedIdx + 1) & 0xffff;
      v.setUint16(used + 2, usedIdx, true);
      last = (last + 1) & 0xffff;
    };
    const notifyUsed = () => {
      if ((v.getUint16(avail, true) & 1) === 0) out.isr |= 1;
    };
    if (c.q === 1) {
      let txLen = 0;
      let sent = false;
      try {
        for (;;) {
          const head = walk(false);
          if (head < 0) break;
          const total = chainTotal;
          if (total < HDR) fail('bad header');
          if (total - HDR < MIN_FRAME || total - HDR > MAX_FRAME) fail('frame size');
          if (txLen + ((4 + total + 3) & ~3) > TX_CAP) break; // the card waits for the host
          const buf = new Uint8Array(total);
          copyChain(head, buf, false);
          if (buf[0] & 1 || buf[1] !== 0) fail('bad header');
          out.tx.push(buf.slice(HDR));
          txLen += (4 + total - HDR + 3) & ~3;
          putUsed(head, 0);
          sent = true;
        }
      } finally {
        if (sent) notifyUsed();
      }
    } else if (rxPending) {
      const frame = rxFrame(c);
      const head = walk(true);
      if (head >= 0) {
        const n = HDR + frame.length;
        if (chainTotal < n) out.rxDropped++;
        else {
          const rec = new Uint8Array(n);
          rec[10] = 1; // num_buffers
          rec.set(frame, HDR);
          copyChain(head, rec, true);
          putUsed(head, n);
          out.rxFrames++;
          notifyUsed();
        }
      }
    }
  } catch (e) {
    if (!(e instanceof ModelError)) throw e;
  }
  return out;
}

// ---- running a case on the core ----

function hex8(n) {
  return '0x' + (n >>> 0).toString(16).padStart(8, '0');
}

function equalBytes(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function firstDifference(a, b, from) {
  const x = Buffer.from(a.buffer, a.byteOffset + from, a.length - from);
  const y = Buffer.from(b.buffer, b.byteOffset + from, b.length - from);
  if (x.equals(y)) return -1;
  for (let i = from; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/** Runs one case on a fresh attacker; returns what went wrong (empty: all as the model says) and what the model expected. */
function runCase(api, hv, c, scratch) {
  const problems = [];
  let want = { error: 'not run' };
  const g = hv.createGuest({ ramBytes: RAM, deterministic: true });
  try {
    g.load(NETDEMO);
    const nic = new api.GuestNic(g);
    nic.setMac('52:54:00:00:02:09'); // netdemo: script mode
    const ram = g.ram();
    layOut(c, ram);
    scratch.set(ram);
    want = model(c, scratch);
    if (c.q === 0) nic.deliver(rxFrame(c));
    let out = '';
    let stop;
    try {
      for (let i = 0; i < 50; i++) {
        stop = g.run(20_000);
        out += new TextDecoder().decode(g.readConsole());
        if (stop !== api.StopReason.Budget && stop !== api.StopReason.OutputFull) break;
      }
    } catch (e) {
      problems.push(e instanceof api.IsolationViolationError ? `isolation violation: ${e.message}` : `the core threw ${e}`);
      return { problems, want };
    }
    if (stop === api.StopReason.Faulted) {
      problems.push(`the attacker ended faulted: ${g.fault.message ?? `exception ${g.fault.cause} at ${hex8(g.fault.pc)}`}`);
      return { problems, want };
    }
    if (stop !== api.StopReason.Halted || !out.includes('netdemo: script done')) {
      problems.push(`the attacker did not finish its script (stop ${stop})`);
      return { problems, want };
    }
    const status = /r 0x10001070 = (0x[0-9a-f]+)/.exec(out)?.[1];
    const isr = /r 0x10001060 = (0x[0-9a-f]+)/.exec(out)?.[1];
    if (Number(status) !== want.status) problems.push(`status ${status}, the model says ${hex8(want.status)}`);
    if (Number(isr) !== want.isr) problems.push(`interrupt status ${isr}, the model says ${hex8(want.isr)}`);
    const st = nic.stats();
    if (st.lastError !== want.error) problems.push(`needs-reset reason '${st.lastError}', the model says '${want.error}'`);
    const sent = nic.takeFrames();
    if (sent.length !== want.tx.length || sent.some((f, i) => !equalBytes(f, want.tx[i]))) {
      problems.push(`sent ${sent.length} frame(s) [${sent.map((f) => f.length)}], the model ${want.tx.length} [${want.tx.map((f) => f.length)}]`);
    }
    if (st.rxFrames !== want.rxFrames || st.rxDropped !== want.rxDropped) {
      problems.push(`received ${st.rxFrames} frame(s), dropped ${st.rxDropped}; the model ${want.rxFrames} and ${want.rxDropped}`);
    }
    const diff = firstDifference(ram, scratch, DMA_LO);
    if (diff >= 0) problems.push(`RAM at ${hex8(RAM_BASE + diff)} is 0x${ram[diff].toString(16)}, the model says 0x${scratch[diff].toString(16)}`);
  } finally {
    g.destroy();
  }
  return { problems, want };
}

/** Victims run VICTIM_SLICE instructions after every case; the solo run gives their reference. */
function victims(hv) {
  return VICTIMS.map((elf) => {
    const g = hv.createGuest({ ramBytes: RAM, deterministic: true });
    g.load(elf);
    return { g, out: '' };
  });
}
function stepVictims(vs) {
  for (const v of vs) {
    v.g.run(VICTIM_SLICE);
    v.out += new TextDecoder().decode(v.g.readConsole());
  }
}

/**
 * A campaign of `cases` random cases from `seed`. `api` is minivisor's module (src/index.ts in
 * tests, dist/index.js from the command line); `core` a core file (default: the package's, or
 * $MINIVISOR_CORE). Returns the findings (case number, seed, what), and when the first came.
 */
export async function campaign({ api, seed = 1, cases = 500, core, stopOnFinding = false, stopOnViolation = false, log = () => {} }) {
  api ??= await import('../dist/index.js');
  const hv = await api.Hypervisor.create(core ? { wasm: core } : {});
  const soloHv = await api.Hypervisor.create(core ? { wasm: core } : {});
  // The first attacker goes first in memory, the victims right after it: each new attacker takes
  // the hole the last one left, so DMA past the end of its RAM would land in a victim.
  const placeholder = hv.createGuest({ ramBytes: RAM, deterministic: true });
  const vs = victims(hv);
  placeholder.destroy();
  const solo = victims(soloHv);
  const g = rng(seed);
  const scratch = new Uint8Array(RAM);
  const findings = [];
  const started = performance.now();
  let firstFinding = null;
  let firstViolation = null; // an IsolationViolationError (checked core)
  let firstVictim = null; // a victim changed
  const errors = new Map();
  let done = 0;
  let stoppedEarly = false;
  for (let i = 0; i < cases; i++) {
    const c = randomCase(g);
    const { problems, want } = runCase(api, hv, c, scratch);
    stepVictims(vs);
    stepVictims(solo);
    done++;
    const key = want.error === 'none' ? `transfer (${c.q === 1 ? `${want.tx.length} sent` : `${want.rxFrames} received, ${want.rxDropped} dropped`})` : want.error;
    errors.set(key, (errors.get(key) ?? 0) + 1);
    const victimChanged = vs.some((v, k) => v.out !== solo[k].out) || (i % 25 === 24 && vs.some((v, k) => v.g.stateHash() !== solo[k].g.stateHash()));
    if (victimChanged) problems.push('a victim differs from its solo run');
    if (problems.length > 0) {
      const f = { case: i, seed, problems, queue: c.q === 1 ? 'transmitq' : 'receiveq' };
      findings.push(f);
      if (!firstFinding) firstFinding = { case: i, ms: performance.now() - started, problem: problems[0] };
      if (!firstViolation && problems.some((p) => p.startsWith('isolation violation'))) firstViolation = { case: i, ms: performance.now() - started };
      if (!firstVictim && problems.some((p) => p.startsWith('a victim'))) firstVictim = { case: i, ms: performance.now() - started };
      log(`case ${i} (${f.queue}): ${problems.join('; ')}`);
      if (stopOnViolation ? firstViolation : stopOnFinding) {
        stoppedEarly = true;
        break;
      }
    }
  }
  if (!stoppedEarly && vs.some((v, k) => v.g.stateHash() !== solo[k].g.stateHash() || v.out !== solo[k].out)) {
    findings.push({ case: done, seed, problems: ['a victim differs from its solo run at the end'] });
    firstFinding ??= { case: done, ms: performance.now() - started, problem: 'a victim differs from its solo run at the end' };
    firstVictim ??= { case: done, ms: performance.now() - started };
  }
  hv.destroyAll();
  soloHv.destroyAll();
  return { findings, firstFinding, firstViolation, firstVictim, cases: done, ms: performance.now() - started, outcomes: Object.fromEntries(errors) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { parseArgs } = await import('node:util');
  const { values } = parseArgs({ options: { seed: { type: 'string' }, cases: { type: 'string' }, core: { type: 'string' }, 'stop-on-finding': { type: 'boolean' } } });
  const seed = Number(values.seed ?? Date.now() % 1e6);
  const r = await campaign({ seed, cases: Number(values.cases ?? 2000), core: values.core, stopOnFinding: values['stop-on-finding'] === true, log: (m) => console.log(m) });
  console.log(`seed ${seed}: ${r.cases} cases in ${(r.ms / 1000).toFixed(1)} s, ${r.findings.length} finding(s)`);
  console.log('outcomes (model):', r.outcomes);
  if (r.firstFinding) console.log(`first finding after ${r.firstFinding.case + 1} case(s), ${r.firstFinding.ms.toFixed(0)} ms`);
  process.exit(r.findings.length > 0 ? 1 : 0);
}
