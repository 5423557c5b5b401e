// A guest's state as a value, measured: snapshot size and time of a booted Linux, restore time,
// fork time and what a fork costs afterwards, and live migration (rounds, pages, downtime) of an
// idle booted Linux and of a guest that dirties memory as fast as it can. Prints figures only.
//
//   node bench/snapshot.mjs [--runs N]

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Hypervisor, MigrationSource, MigrationTarget, readSnapshot } from '../dist/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const RUNS = runsAt >= 0 ? Number(args[runsAt + 1]) : 5;
const linuxImage = readFileSync(`${root}guests/bin/linux-rv32imac.Image`);

const sorted = (xs) => [...xs].sort((a, b) => a - b);
const median = (xs) => sorted(xs)[xs.length >> 1];
const spread = (xs) => `median ${median(xs).toFixed(2)}, min ${Math.min(...xs).toFixed(2)}, max ${Math.max(...xs).toFixed(2)}`;
const mib = (n) => `${(n / 2 ** 20).toFixed(2)} MiB`;

function bootLinux(hv) {
  const g = hv.createGuest({ ramBytes: 64 << 20 });
  g.bootKernel(linuxImage);
  let text = '';
  while (!text.includes(':/# ')) {
    g.run(1_000_000);
    text = (text + Buffer.from(g.readConsole()).toString('latin1')).slice(-4096);
  }
  // Let it settle into its idle loop.
  for (let i = 0; i < 20; i++) g.run(100_000);
  return g;
}

// A bare-metal guest that writes one word in every page of 8 MiB, round after round, forever:
// the worst case for pre-copy (every page dirty again in every round).
function dirtierElf() {
  const I = (op, rd, f3, rs1, rs2OrImm, f7 = 0, kind = 'R') => {
    if (kind === 'I') return ((rs2OrImm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op;
    if (kind === 'U') return (rs2OrImm & 0xfffff000) | (rd << 7) | op;
    if (kind === 'S') return (((rs2OrImm >> 5) & 0x7f) << 25) | (rd << 20) | (rs1 << 15) | (f3 << 12) | ((rs2OrImm & 31) << 7) | op;
    return (f7 << 25) | (rs2OrImm << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op;
  };
  const B = (rs1, rs2, f3, off) =>
    ((((off >> 12) & 1) << 31) | (((off >> 5) & 0x3f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (((off >> 1) & 0xf) << 8) | (((off >> 11) & 1) << 7) | 0x63) >>> 0;
  const t0 = 5, t1 = 6, t2 = 7, t3 = 28;
  const code = [
    I(0x37, t0, 0, 0, 0x8010_0000, 0, 'U'), // 0  lui t0, 0x80100
    I(0x37, t2, 0, 0, 0x8090_0000, 0, 'U'), // 4  lui t2, 0x80900 (end)
    I(0x37, t3, 0, 0, 0x1000, 0, 'U'), //      8  lui t3, 1 (4096)
    I(0x23, t1, 2, t0, 0, 0, 'S'), //          12 loop: sw t1, 0(t0)
    I(0x13, t1, 0, t1, 1, 0, 'I'), //          16 addi t1, t1, 1
    I(0x33, t0, 0, t0, t3), //                 20 add t0, t0, t3
    B(t0, t2, 6, -12), //                      24 bltu t0, t2, loop
    I(0x37, t0, 0, 0, 0x8010_0000, 0, 'U'), // 28 lui t0, 0x80100
    B(0, 0, 0, -20), //                        32 beq x0, x0, loop
  ];
  const text = new Uint8Array(new Uint32Array(code.map((w) => w >>> 0)).buffer);
  const elf = new Uint8Array(52 + 32 + text.length);
  const v = new DataView(elf.buffer);
  elf.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]);
  v.setUint16(16, 2, true); // ET_EXEC
  v.setUint16(18, 243, true); // RISC-V
  v.setUint32(20, 1, true);
  v.setUint32(24, 0x8000_0000, true); // entry
  v.setUint32(28, 52, true); // phoff
  v.setUint16(40, 52, true);
  v.setUint16(42, 32, true);
  v.setUint16(44, 1, true);
  v.setUint32(52, 1, true); // PT_LOAD
  v.setUint32(56, 84, true); // offset
  v.setUint32(60, 0x8000_0000, true);
  v.setUint32(64, 0x8000_0000, true);
  v.setUint32(68, text.length, true);
  v.setUint32(72, text.length, true);
  v.setUint32(76, 5, true);
  elf.set(text, 84);
  return elf;
}

const hv = await Hypervisor.create();
const other = await Hypervisor.create();
const linux = bootLinux(hv);

// ---- snapshot and restore ----
const snapMs = [];
let bytes;
for (let i = 0; i < RUNS; i++) {
  const t0 = performance.now();
  bytes = await linux.snapshot();
  snapMs.push(performance.now() - t0);
}
const snap = await readSnapshot(bytes);
console.log(
  `snapshot of a booted 64 MiB Linux: ${mib(bytes.length)} (${snap.header.ram.nonZeroPages} of ${snap.header.ram.pages} pages non-zero), ` +
    `${spread(snapMs)} ms to take (${RUNS} runs)`,
);
const readMs = [];
const restoreMs = [];
for (let i = 0; i < RUNS; i++) {
  let t0 = performance.now();
  const s = await readSnapshot(bytes);
  readMs.push(performance.now() - t0);
  t0 = performance.now();
  const g = await other.restore(s);
  restoreMs.push(performance.now() - t0);
  g.destroy();
}
console.log(`restore: reading and checking the file ${spread(readMs)} ms; restoring it (what launchGuest does per test) ${spread(restoreMs)} ms`);

// ---- fork ----
const forkMs = [];
for (let i = 0; i < RUNS; i++) {
  const t0 = performance.now();
  const f = linux.fork();
  forkMs.push(performance.now() - t0);
  f.destroy();
}
const fork = linux.fork();
const copiedBefore = linux.sharing.copiedPages + fork.sharing.copiedPages;
for (let i = 0; i < 50; i++) {
  linux.run(200_000);
  fork.run(200_000);
}
fork.writeConsole('ls /\n');
for (let i = 0; i < 20; i++) fork.run(200_000);
const copied = linux.sharing.copiedPages + fork.sharing.copiedPages - copiedBefore;
console.log(
  `fork of a booted 64 MiB Linux: ${spread(forkMs)} ms; after 10 M instructions on each side (and 'ls /' in the fork) ` +
    `${copied} pages copied (${mib(copied * 4096)} of 64 MiB); ${fork.sharing.sharedPages} pages still shared`,
);
fork.destroy();

// ---- live migration ----
async function migrate(guest, dst, label, sliceInstructions) {
  const source = new MigrationSource(guest, { stopBelow: 64, maxRounds: 8 });
  const target = new MigrationTarget(dst, guest.ramBytes);
  const t0 = performance.now();
  target.receive(source.firstRound());
  for (;;) {
    guest.run(sliceInstructions); // the guest runs while the pages travel
    const b = source.nextRound();
    if (!b) break;
    target.receive(b);
  }
  const down0 = performance.now();
  const final = await source.finish();
  target.receive(final.pages);
  const moved = await target.finish(final.state);
  const downtime = performance.now() - down0;
  const total = performance.now() - t0;
  guest.destroy();
  const rounds = source.rounds.map((r) => r.pages).join(' → ');
  const sent = source.rounds.reduce((a, r) => a + r.bytes, 0);
  console.log(`migration, ${label}: ${source.rounds.length} rounds (pages per round: ${rounds}), ${mib(sent)} sent, total ${total.toFixed(1)} ms, downtime ${downtime.toFixed(2)} ms`);
  return { moved, downtime };
}

const idleDown = [];
for (let i = 0; i < RUNS; i++) {
  const src = await Hypervisor.create();
  const g = await src.restore(bytes);
  const { moved, downtime } = await migrate(g, other, `idle booted Linux (run ${i + 1})`, 100_000);
  idleDown.push(downtime);
  moved.destroy();
}
console.log(`migration downtime, idle booted Linux: ${spread(idleDown)} ms (${RUNS} runs)`);

const busyDown = [];
for (let i = 0; i < Math.min(RUNS, 3); i++) {
  const src = await Hypervisor.create();
  const g = src.createGuest({ ramBytes: 16 << 20 });
  g.load(dirtierElf());
  g.run(5_000_000);
  const { moved, downtime } = await migrate(g, other, `a guest rewriting 8 MiB as fast as it can (run ${i + 1})`, 2_000_000);
  busyDown.push(downtime);
  moved.destroy();
}
console.log(`migration downtime, busy guest (round limit, then stop-and-copy): ${spread(busyDown)} ms`);
