// Isolation fuzzing: attacker guests full of random code run side by side with victim guests on
// one core instance, and nothing the attackers do may show anywhere else.
//
// Checks, per campaign:
//  - the victims' console output and final state hash (registers, CSRs, devices, all of RAM)
//    are exactly those of a run of the same victims with the same time slices and no attackers;
//  - the WebAssembly instance never traps (any exception from the core is a finding);
//  - the instance's memory outside the guests' regions (the guest table, the core's static
//    data, everything past the last region) is byte for byte unchanged.
// Everything derives from the seed, and guests run in deterministic time, so a finding can be
// replayed exactly.

import { readFileSync } from 'node:fs';
import { Hypervisor, StopReason } from '../dist/index.js';

const GUESTS = new URL('../guests/bin/', import.meta.url);
const RAM_BASE = 0x8000_0000;

/** xorshift128+ in 32-bit halves: small, fast, and the same sequence everywhere. */
export function rng(seed) {
  let a = seed >>> 0 || 1;
  let b = Math.imul(seed, 0x9e3779b1) >>> 0 || 2;
  let c = 0x6c078965;
  let d = 0x12345678 ^ seed;
  const next = () => {
    const t = a ^ (a << 11);
    a = b;
    b = c;
    c = d;
    d = (d ^ (d >>> 19) ^ (t ^ (t >>> 8))) >>> 0;
    return d;
  };
  for (let i = 0; i < 16; i++) next();
  return { u32: next, int: (n) => next() % n, pick: (xs) => xs[next() % xs.length] };
}

// Addresses worth aiming at: devices, holes between them, RAM edges, the top of the space.
const TARGETS = [0x0010_0000, 0x0200_0000, 0x0200_4000, 0x0200_bff8, 0x0c00_0000, 0x0c20_0004, 0x0c20_1004, 0x1000_0000,
  0x1000_1000, 0x1000_8000, 0x0000_0000, 0x0000_1000, 0x2000_0000, 0x4000_0000, 0x7fff_f000, 0x8000_0000, 0x800f_f000,
  0x8010_0000, 0xffff_f000, 0x1010_0000];
// CSRs worth writing: trap setup, delegation, translation, counters, PMP, and some that do not exist.
const CSRS = [0x300, 0x301, 0x302, 0x303, 0x304, 0x305, 0x306, 0x340, 0x341, 0x342, 0x343, 0x344, 0x100, 0x104, 0x105,
  0x106, 0x140, 0x141, 0x142, 0x143, 0x144, 0x180, 0x3a0, 0x3b0, 0xb00, 0xb02, 0xb80, 0xb82, 0xc00, 0xc01, 0xc02, 0xf14,
  0x7a0, 0x7b0, 0x320, 0x30a, 0x10a, 0x0ff];
const SYSTEM = [0x0000_0073, 0x0010_0073, 0x3020_0073, 0x1020_0073, 0x1050_0073, 0x1200_0073, 0x0000_100f, 0x0ff0_000f];

const r = (rd) => (rd & 31) << 7;
const rs1 = (x) => (x & 31) << 15;
const rs2 = (x) => (x & 31) << 20;

/** One random instruction: a mix of valid encodings aimed at interesting places, and noise. */
export function randomInstruction(g) {
  const k = g.int(100);
  if (k < 15) return g.u32(); // random word
  if (k < 22) return g.u32() & 0xffff; // random halfword (often a compressed instruction)
  const rd = g.int(32);
  const a = g.int(32);
  const b = g.int(32);
  if (k < 32) return (g.pick(TARGETS) & 0xffff_f000) | r(rd) | 0x37; // LUI toward a target
  if (k < 42) return ((g.u32() & 0xfff) << 20) | rs1(a) | (g.int(8) << 12) | r(rd) | 0x13; // OP-IMM
  if (k < 52) return ((g.u32() & 0xfff) << 20) | rs1(a) | (g.int(8) << 12) | r(rd) | 0x03; // LOAD
  if (k < 62) { // STORE
    const imm = g.u32() & 0xfff;
    return ((imm >> 5) << 25) | rs2(b) | rs1(a) | (g.int(4) << 12) | ((imm & 31) << 7) | 0x23;
  }
  if (k < 70) return (g.pick(CSRS) << 20) | rs1(a) | ((1 + g.int(7)) << 12) | r(rd) | 0x73; // CSR
  if (k < 75) return g.pick(SYSTEM);
  if (k < 80) return (g.int(32) << 27) | rs2(b) | rs1(a) | (2 << 12) | r(rd) | 0x2f; // AMO
  if (k < 85) return ((g.u32() & 0xfff) << 20) | rs1(a) | r(rd) | 0x67; // JALR
  if (k < 90) { // BRANCH, short
    const off = (g.int(64) - 32) * 2;
    const imm = off & 0x1fff;
    return (((imm >> 12) & 1) << 31) | (((imm >> 5) & 0x3f) << 25) | rs2(b) | rs1(a) | (g.int(8) << 12) |
      (((imm >> 1) & 0xf) << 8) | (((imm >> 11) & 1) << 7) | 0x63;
  }
  if (k < 94) return (g.int(2) << 25) | rs2(b) | rs1(a) | (g.int(8) << 12) | r(rd) | 0x33; // OP / M
  return ((g.u32() & 0xfffff) << 12) | r(rd) | 0x17; // AUIPC
}

// The attacker's trap handler: resume at a pseudo-random even address of its 1 MiB of RAM
// (taken from minstret), so that no fault, not even a fetch from a device, ends the attack.
// Random code may overwrite it or move mtvec away: that is part of the attack.
const HANDLER = [
  0x340e_1e73, // csrrw t3, mscratch, t3
  0xb020_2e73, // csrr  t3, minstret
  0x00de_1e13, // slli  t3, t3, 13
  0x00ce_5e13, // srli  t3, t3, 12
  0x8000_0eb7, // lui   t4, 0x80000
  0x01de_6e33, // or    t3, t3, t4
  0x341e_1073, // csrw  mepc, t3
  0x340e_1e73, // csrrw t3, mscratch, t3
  0x3020_0073, // mret
];
const HANDLER_AT = 16; // word index

/**
 * Arms an attacker: random code in its RAM (all of it the first time, a fresh 16 KiB window on
 * later re-arms, to keep re-arming cheap), random registers aimed at devices and RAM edges, and
 * a prologue that installs the handler above and jumps into the random code.
 */
function arm(guest, g, first) {
  const ram = guest.ram();
  const words = new Uint32Array(ram.buffer, ram.byteOffset, ram.byteLength / 4);
  const from = first ? 0 : g.int(words.length - 4096);
  const to = first ? words.length : from + 4096;
  for (let i = from; i < to; i++) words[i] = randomInstruction(g);
  guest.reset();
  for (let n = 1; n < 32; n++) guest.setReg(n, g.int(2) === 0 ? g.pick(TARGETS) + (g.int(64) - 32) * 4 : g.u32());
  restart(guest, g);
}

/**
 * A fresh start for the next slice: random code soon settles into a tight loop, so every slice
 * re-enters it at a random place with a few fresh pointers, through the prologue (restored if
 * the attack overwrote it) that points mtvec at the handler.
 */
function restart(guest, g) {
  const ram = guest.ram();
  const words = new Uint32Array(ram.buffer, ram.byteOffset, ram.byteLength / 4);
  words[0] = 0x3052_9073; // csrw mtvec, t0
  words[1] = 0x0003_0067; // jr t1
  HANDLER.forEach((w, i) => (words[HANDLER_AT + i] = w));
  for (let i = 0; i < 4; i++) guest.setReg(1 + g.int(31), g.pick(TARGETS) + (g.int(64) - 32) * 4);
  guest.setReg(5, RAM_BASE + HANDLER_AT * 4); // t0: trap vector
  guest.setReg(6, RAM_BASE + ((64 + g.int(words.length - 64)) << 2)); // t1: where the attack goes on
  guest.pc = RAM_BASE;
}

function victimImages() {
  return [
    { name: 'spinner', bytes: readFileSync(new URL('spinner.elf', GUESTS)) },
    { name: 'idle', bytes: readFileSync(new URL('idle.elf', GUESTS)) },
  ];
}

/** The bytes of the instance's memory that belong to no guest: [0x8000, first region) and past the last. */
function outsideRegions(hv, guests) {
  const mem = new Uint8Array(hv.core.memory.buffer);
  const regions = guests.map((x) => x.region()).sort((p, q) => p.base - q.base);
  const spans = [[0x8000, regions[0].base]];
  for (let i = 0; i + 1 < regions.length; i++) spans.push([regions[i].base + regions[i].size, regions[i + 1].base]);
  const last = regions[regions.length - 1];
  spans.push([last.base + last.size, mem.length]);
  let h = 0x811c9dc5;
  for (const [from, to] of spans) for (let i = from; i < to; i++) h = Math.imul(h ^ mem[i], 0x01000193);
  return `${spans.map(([f, t]) => `${f.toString(16)}-${t.toString(16)}`).join(',')}:${(h >>> 0).toString(16)}`;
}

/**
 * Runs the victims for `slices` rounds of `quantum` instructions each (with attackers: until the
 * attackers have run `minAttackerInstructions`, however many rounds that takes).
 */
async function runVictims(slices, quantum, withAttackers, seed, attackerCount, minAttackerInstructions = 0) {
  const hv = await Hypervisor.create();
  const g = rng(seed);
  const attackers = [];
  const newAttacker = () => {
    const guest = hv.createGuest({ ramBytes: 1 << 20, deterministic: true });
    arm(guest, g, true);
    attackers.push(guest);
  };
  // Attackers and victims alternate in memory, so that every victim's region sits right above
  // an attacker's: an overrun past an attacker's RAM would land in a victim.
  const victims = victimImages().map(({ name, bytes }) => {
    if (withAttackers) newAttacker();
    const guest = hv.createGuest({ ramBytes: 1 << 20, deterministic: true });
    guest.load(bytes);
    return { name, guest, out: [] };
  });
  if (withAttackers) while (attackers.length < attackerCount) newAttacker();
  const before = withAttackers ? outsideRegions(hv, [...victims.map((v) => v.guest), ...attackers]) : '';
  let attackerInstructions = 0;
  const stops = {};
  let s = 0;
  for (; withAttackers ? attackerInstructions < minAttackerInstructions : s < slices; s++) {
    for (const v of victims) {
      v.guest.run(quantum);
      v.out.push(v.guest.readConsole());
    }
    for (const a of attackers) {
      restart(a, g);
      const stop = a.run(quantum);
      attackerInstructions += a.lastRunCount;
      a.readConsole();
      stops[stop] = (stops[stop] ?? 0) + 1;
      if (stop === StopReason.Halted || stop === StopReason.Faulted || stop === StopReason.Reset) arm(a, g, false);
      else if (stop === StopReason.Wfi && a.nextDeadline === Infinity) arm(a, g, false);
    }
  }
  const result = {
    slices: s,
    victims: victims.map((v) => ({ name: v.name, output: Buffer.concat(v.out).toString('latin1'), hash: v.guest.stateHash() })),
    attackerInstructions,
    stops,
    outsideBefore: before,
    outsideAfter: withAttackers ? outsideRegions(hv, [...victims.map((v) => v.guest), ...attackers]) : '',
  };
  return result;
}

/**
 * One campaign: returns { findings: string[], attackerInstructions, stops }. A finding is any
 * difference from the reference run, or an exception out of the core.
 */
export async function campaign({ seed, attackerInstructions, attackers = 4, quantum = 20_000 }) {
  const findings = [];
  let attacked;
  try {
    attacked = await runVictims(0, quantum, true, seed, attackers, attackerInstructions);
  } catch (e) {
    return { findings: [`seed ${seed}: the core threw: ${e && e.stack ? e.stack : e}`], attackerInstructions, stops: {}, victims: [] };
  }
  // The same victims, the same slices, no attackers.
  const reference = await runVictims(attacked.slices, quantum, false, seed, 0);
  reference.victims.forEach((ref, i) => {
    const got = attacked.victims[i];
    if (got.output !== ref.output) findings.push(`seed ${seed}: ${ref.name}'s console output differs from the run without attackers`);
    if (got.hash !== ref.hash) findings.push(`seed ${seed}: ${ref.name}'s state hash ${got.hash} differs from ${ref.hash}`);
  });
  if (attacked.outsideBefore !== attacked.outsideAfter) findings.push(`seed ${seed}: memory outside the guests' regions changed`);
  return { findings, attackerInstructions: attacked.attackerInstructions, stops: attacked.stops, victims: attacked.victims };
}

// `npm run fuzz -- --instructions 1e10 --seed N [--attackers 4]`: long campaigns, one per seed
// in turn from N, until the attackers have run that many instructions in all.
if (import.meta.url === `file://${process.argv[1]}`) {
  const { parseArgs } = await import('node:util');
  const { values } = parseArgs({
    options: { instructions: { type: 'string', default: '1e8' }, seed: { type: 'string', default: '1' }, attackers: { type: 'string', default: '4' } },
  });
  const total = Number(values.instructions);
  const attackers = Number(values.attackers);
  let seed = Number(values.seed);
  if (!(total > 0) || !Number.isInteger(seed) || !(attackers > 0)) {
    console.error('usage: npm run fuzz -- --instructions 1e10 --seed 1 [--attackers 4]');
    process.exit(2);
  }
  const perCampaign = Math.min(total, 1e8);
  let done = 0;
  let findings = 0;
  const t0 = performance.now();
  while (done < total) {
    const r = await campaign({ seed, attackerInstructions: perCampaign, attackers });
    done += r.attackerInstructions;
    findings += r.findings.length;
    for (const f of r.findings) console.log(`FINDING ${f}`);
    const secs = (performance.now() - t0) / 1e3;
    console.log(`seed ${seed}: ${(r.attackerInstructions / 1e6).toFixed(0)}M attacker instructions, stops ${JSON.stringify(r.stops)}; total ${(done / 1e9).toFixed(2)}e9 in ${secs.toFixed(0)} s, ${findings} findings`);
    seed++;
  }
  console.log(`done: ${done} attacker instructions, seeds ${values.seed}..${seed - 1}, ${findings} findings`);
  process.exit(findings ? 1 : 0);
}
