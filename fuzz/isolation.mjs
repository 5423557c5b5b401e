// Isolation fuzzing: attacker guests full of hostile code run side by side with victim guests on
// one core instance, and nothing the attackers do may show anywhere else.
//
// Checks, per campaign:
//  - the victims' console output and final state hash (registers, CSRs, devices, all of RAM)
//    are exactly those of a run of the same victims with the same time slices and no attackers;
//  - the core never traps: a Wasm trap contained to an attacker (it ends faulted with an
//    internal error) is a finding, and so is any exception out of Guest.run — on the checked
//    core (build/minivisor-checked.wasm) an IsolationViolationError, raised the moment the core
//    forms a host address outside the running guest's window, even if nothing else would notice;
//  - the instance's memory outside the guests' regions (the guest table, the core's static
//    data, the holes destroyed guests left, everything past the last region) is unchanged by
//    the guests' runs, except the checked core's coverage counters; it is hashed before and
//    after every fork, destroy and create (which may change the guest table), and at the end;
//  - with forks (the default): attackers are forked at random points, forks of forks too, and
//    parents and forks go on running, so both write pages they still share copy-on-write; some
//    are destroyed while others still read their pages (a destroyed region must be all zero)
//    and new attackers are created into the freed regions. Victims are forked too: a victim's
//    fork is the same deterministic machine run for the same slices, so every member of its
//    lineage must print the same thing and hold the same registers after every slice, and end
//    in the state of the solo run, whichever of them were destroyed on the way.
//
// The attackers' programs (fuzz/generator.mjs) aim at the edges where isolation bugs hide; on the
// checked core the campaign also measures which of the core's slow paths they reached
// (fuzz/coverage.mjs, names from assembly/coverage.ts).
//
// Everything derives from the seed, and guests run in deterministic time, so a finding can be
// replayed exactly: `node fuzz/isolation.mjs --seed N --instructions M [--core path] [--forks on|off|attackers]`.

import { readFileSync } from 'node:fs';
import { Hypervisor, IsolationViolationError, StopReason } from '../dist/index.js';
import { RAM_BASE, TARGETS, layout, randomInstruction, restartAttacker, rewriteWindow, rng, tinyKernelElf, writeProgram } from './generator.mjs';
import { COVERAGE_SLOTS, CoverageAccumulator, formatCoverage, mergeSummaries } from './coverage.mjs';

export { rng, randomInstruction };

const GUESTS = new URL('../guests/bin/', import.meta.url);

// ---- the old attacker ("random" mix): random words everywhere, one handler, random resumes ----

// The attacker's trap handler: resume at a pseudo-random even address of its 1 MiB of RAM
// (taken from minstret), so that no fault, not even a fetch from a device, ends the attack.
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

function armRandom(guest, g, first) {
  const ram = guest.ram();
  const words = new Uint32Array(ram.buffer, ram.byteOffset, ram.byteLength / 4);
  const from = first ? 0 : g.int(words.length - 4096);
  const to = first ? words.length : from + 4096;
  for (let i = from; i < to; i++) words[i] = randomInstruction(g);
  guest.reset();
  for (let n = 1; n < 32; n++) guest.setReg(n, g.int(2) === 0 ? g.pick(TARGETS) + (g.int(64) - 32) * 4 : g.u32());
  restartRandom(guest, g);
}

function restartRandom(guest, g) {
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

// ---- the biased attacker ----

// RAM sizes: a megapage-multiple or not, the smallest there is, one page more than it.
const RAM_SIZES = [1 << 20, (1 << 20) + 0x1000, 2 << 20, (4 << 20) + 0x1000];
let kernelElf;

/** A new attacker guest; every fourth (the third of each four) is booted as a kernel, in S-mode with the SBI. */
function createAttacker(hv, g, index, mix, ramBytesWanted) {
  if (mix === 'random') {
    const guest = hv.createGuest({ ramBytes: 1 << 20, deterministic: true });
    armRandom(guest, g, true);
    return { guest, index, kernel: false, ramBytes: 1 << 20 };
  }
  const kernel = index % 4 === 2;
  const ramBytes = ramBytesWanted ?? (index === 0 ? 1 << 20 : g.pick(RAM_SIZES));
  const guest = hv.createGuest({ ramBytes, deterministic: true });
  const a = { guest, index, kernel, ramBytes, L: layout(ramBytes, kernel) };
  if (kernel) guest.bootKernel((kernelElf ??= tinyKernelElf()));
  arm(a, g, true);
  return a;
}

/**
 * A reset and random registers, and fresh code: all of it the first time; later (after the
 * attacker halted, got stuck or slept for good) a fresh window one time in eight — a CPU reset
 * is what gets it going again, and generating code is the fuzzer's main cost.
 */
function arm(a, g, first) {
  const { guest } = a;
  if (a.L === undefined) return armRandom(guest, g, first);
  guest.reset(); // a kernel is booted again
  if (first) writeProgram(guest.ram(), g, a.L);
  // (not while it shares pages with a fork: ram() would end the sharing)
  else if (g.int(8) === 0 && guest.sharing.sharedPages === 0) rewriteWindow(guest.ram(), g, a.L);
  for (let n = 1; n < 32; n++) guest.setReg(n, g.u32());
  restartAttacker(guest, g, a.L);
}

/** The next slice starts afresh at a random place (and now and then from a CPU reset: no livelock outlives it). */
function restart(a, g) {
  if (a.L === undefined) return restartRandom(a.guest, g);
  if (g.int(8) === 0) a.guest.reset();
  restartAttacker(a.guest, g, a.L);
}

function victimImages() {
  return [
    { name: 'spinner', bytes: readFileSync(new URL('spinner.elf', GUESTS)) },
    { name: 'idle', bytes: readFileSync(new URL('idle.elf', GUESTS)) },
  ];
}

/**
 * The instance's memory that belongs to no guest, as spans: [0x8000, first region), between
 * regions (the holes destroyed guests left) and past the last, minus the checked core's coverage
 * counters (which count) and the JIT's table (which translation fills).
 */
function outsideSpans(hv, guests) {
  const end = hv.core.memory.buffer.byteLength;
  const regions = guests.map((x) => x.region()).sort((p, q) => p.base - q.base);
  const spans = [[0x8000, regions[0].base]];
  for (let i = 0; i + 1 < regions.length; i++) spans.push([regions[i].base + regions[i].size, regions[i + 1].base]);
  const last = regions[regions.length - 1];
  spans.push([last.base + last.size, end]);
  const covFrom = hv.core.coveragePtr() >>> 0;
  const jitFrom = hv.core.jitDataPtr() >>> 0;
  const without = (list, from, to) =>
    list.flatMap(([f, t]) => (from >= t || to <= f ? [[f, t]] : [[f, Math.max(f, from)], [Math.min(t, to), t]])).filter(([f, t]) => t > f);
  return without(without(spans, covFrom, covFrom + 4 * COVERAGE_SLOTS), jitFrom, jitFrom + (hv.core.jitDataBytes() >>> 0));
}

const REGIONS_START = 0x10_0000; // assembly/layout.ts: below, the guest table and the core's static data

/**
 * What the memory outside the regions must still hold: below the first region (the guest table,
 * the core's static data) a copy of it; above, nothing but zeros (holes were zeroed when their
 * guest was destroyed, and the rest was never used or was freed). Compared natively, which is
 * what makes checking it around every fork and destroy cheap.
 */
function outsideSnapshot(hv, guests, previous) {
  const spans = outsideSpans(hv, guests);
  const mem = Buffer.from(hv.core.memory.buffer);
  const low = spans.filter(([f]) => f < REGIONS_START).map(([f, t], i) => {
    const bytes = mem.subarray(f, Math.min(t, REGIONS_START));
    const into = previous?.low[i]; // reused: a campaign takes hundreds of these
    if (into === undefined || into.length !== bytes.length) return Buffer.from(bytes);
    bytes.copy(into);
    return into;
  });
  return { key: spans.map(([f, t]) => `${f.toString(16)}-${t.toString(16)}`).join(','), low };
}

/** Whether the memory outside the regions is still what the snapshot says (and the regions are where they were). */
function outsideUnchanged(hv, guests, snap) {
  const spans = outsideSpans(hv, guests);
  const key = spans.map(([f, t]) => `${f.toString(16)}-${t.toString(16)}`).join(',');
  if (key !== snap.key) return false;
  const mem = Buffer.from(hv.core.memory.buffer);
  let low = 0;
  for (const [f, t] of spans) {
    if (f < REGIONS_START && !mem.subarray(f, Math.min(t, REGIONS_START)).equals(snap.low[low++])) return false;
    if (t > REGIONS_START && !isZero(mem, Math.max(f, REGIONS_START), t)) return false;
  }
  return true;
}

let zeros = Buffer.alloc(0);
function isZero(mem, from, to) {
  if (zeros.length < to - from) zeros = Buffer.alloc(to - from);
  return mem.subarray(from, to).equals(zeros.subarray(0, to - from));
}

/** Whether the whole region [base, base + size) is zero (a destroyed guest's region must be). */
function regionZero(hv, { base, size }) {
  return isZero(Buffer.from(hv.core.memory.buffer), base, base + size);
}

function describeError(e) {
  if (e instanceof IsolationViolationError) return e.message;
  return e && e.stack ? e.stack.split('\n').slice(0, 4).join(' | ') : String(e);
}

// ---- forks ----
//
// With forks on, the host forks attackers at random points (guest.fork(): the child shares every
// page of its parent copy-on-write), forks of forks too; parents and forks go on running their
// random code, so both sides write pages they still share; now and then one of them is destroyed
// while others still read its pages, and a new attacker is created into the freed region. Victims
// are forked too: a victim's fork is the same deterministic machine, run for the same slices, so
// every member of a victim's lineage must print exactly what the victim prints, slice by slice,
// and end in the state of the solo replay. Each lifecycle step is bracketed by the outside-memory
// check (the guest table legitimately changes in a step, never while guests run) and a destroyed
// guest's region must be all zero.

/** Per attacker turn: one in FORK_EVERY forks that attacker, one in DESTROY_EVERY destroys one. */
const FORK_EVERY = 8;
const DESTROY_EVERY = 24;
/** Forks and newcomers beyond the campaign's attackers. */
const EXTRA_ATTACKERS = 4;
/** Per slice after the first victim forks: one in VICTIM_EVENT_EVERY forks or destroys a victim. */
const VICTIM_EVENT_EVERY = 12;
const VICTIM_LINEAGE_MAX = 2;

function describeAttacker(a) {
  return `attacker ${a.index} (${a.forkOf !== undefined ? `fork of ${a.forkOf}, ` : ''}${a.kernel ? 'kernel, ' : ''}${a.ramBytes} bytes of RAM)`;
}

/** A victim's registers and PC: a fork and its parent, run alike, must agree on them after every slice. */
function cpuState(guest) {
  const regs = [guest.pc];
  for (let n = 1; n < 32; n++) regs.push(guest.reg(n));
  return regs.join(',');
}

/**
 * Runs the victims for `slices` rounds of `quantum` instructions each (with attackers: until the
 * attackers have run `minAttackerInstructions`, however many rounds that takes, or until the first
 * finding when `stopOnFinding`).
 */
async function runVictims({ slices, quantum, withAttackers, seed, attackerCount, minAttackerInstructions = 0, core, mix, stopOnFinding, attackerForks = false, victimForks = false, jit = false }) {
  const hv = await Hypervisor.create({ ...(core === undefined ? {} : { wasm: core }), jit });
  const g = rng(seed);
  // Forks and destroys draw from their own stream, so that the attackers' programs stay those
  // of the seed whatever the lifecycle does.
  const life = rng((seed ^ 0x5eed_f04c) >>> 0);
  const attackers = [];
  const findings = [];
  let firstFinding = null;
  const t0 = performance.now();
  let attackerInstructions = 0;
  let s = 0;
  const finding = (what) => {
    findings.push(`seed ${seed}: ${what}`);
    firstFinding ??= { attackerInstructions, seconds: (performance.now() - t0) / 1e3, slice: s };
  };
  const forkStats = { attackerForks: 0, victimForks: 0, attackersDestroyed: 0, victimsDestroyed: 0, newcomers: 0, newcomersInFreedRegion: 0, attackerTurnsSharing: 0, cowCopies: 0 };
  // Attackers and victims alternate in memory, so that every victim's region sits right above
  // an attacker's: an overrun past an attacker's RAM would land in a victim.
  const victims = victimImages().map(({ name, bytes }, origin) => {
    if (withAttackers) attackers.push(createAttacker(hv, g, attackers.length, mix));
    const guest = hv.createGuest({ ramBytes: 1 << 20, deterministic: true });
    guest.load(bytes);
    return { name, origin, member: 'the victim', guest, out: [] };
  });
  const origins = victims.length;
  if (withAttackers) while (attackers.length < attackerCount) attackers.push(createAttacker(hv, g, attackers.length, mix));
  let nextIndex = attackers.length;
  let forkNo = 0;
  const live = () => [...victims.map((v) => v.guest), ...attackers.map((a) => a.guest)];
  const coverage = new CoverageAccumulator();
  hv.core.coverageReset();
  let outside = withAttackers ? outsideSnapshot(hv, live()) : null;

  /** A fork, a destroy or a create: the memory outside the regions must not have changed since the last one. */
  const lifecycle = (what, step) => {
    if (!outsideUnchanged(hv, live(), outside)) finding(`memory outside the guests' regions changed by the guests' runs before ${what} in slice ${s}`);
    const r = step();
    outside = outsideSnapshot(hv, live(), outside);
    return r;
  };
  /** Whether another live guest's page map points into guest's RAM (it reads pages guest owns). */
  const readByOthers = (guest) => {
    const { ramBase } = guest.region();
    const end = ramBase + guest.ramBytes;
    for (const x of live()) {
      if (x === guest || x.sharing.sharedPages === 0) continue;
      const pages = x.ramBytes >>> 12;
      for (let p = 0; p < pages; p++) {
        const at = hv.core.guestPagePtr(x.handle, p) >>> 0;
        if (at >= ramBase && at < end) return true;
      }
    }
    return false;
  };
  const destroy = (guest, what) => {
    forkStats.cowCopies += guest.sharing.copiedPages;
    const region = guest.region();
    guest.destroy();
    if (!regionZero(hv, region)) finding(`${what}'s region ${region.base.toString(16)}+${region.size.toString(16)} is not zero after destroy`);
    return region;
  };
  /** A new attacker of that RAM size, which the core should place in the region just freed. */
  const newcomer = (ramBytes, freed) => {
    if (attackers.length >= attackerCount + EXTRA_ATTACKERS) return;
    const a = createAttacker(hv, g, nextIndex++, mix, ramBytes);
    attackers.push(a);
    forkStats.newcomers++;
    if (a.guest.region().base === freed.base) forkStats.newcomersInFreedRegion++;
  };

  const victimEvent = () => {
    const lineage = (o) => victims.filter((v) => v.origin === o);
    if (s === 0) return;
    const firstForks = s === victimForks.at;
    if (!firstForks && (s < victimForks.at || life.int(VICTIM_EVENT_EVERY) !== 0)) return;
    const forkOne = (parent) => {
      const guest = parent.guest.fork();
      victims.push({ name: parent.name, origin: parent.origin, member: `fork ${++forkNo} (of ${parent.member.replace(/ \(.*/, '')})`, guest, out: [...parent.out] });
      forkStats.victimForks++;
    };
    if (firstForks) {
      // First the victim whose code writes memory all the time (its timer handler, its counters,
      // its stack): it and its fork write the pages they share from the first slice on. The
      // spinner, which keeps all in registers between lines, is forked by the later events.
      lifecycle(`forking victim idle`, () => victims.filter((v) => v.name === 'idle').forEach(forkOne));
      return;
    }
    const members = lineage(life.int(origins));
    if (members.length < VICTIM_LINEAGE_MAX && (members.length < 2 || life.int(2) === 0)) {
      lifecycle(`forking a victim`, () => forkOne(life.pick(members)));
      return;
    }
    // Destroy one (the victim itself, or a fork) while the others may still read its pages;
    // it must be in the state of a member that lives on.
    const doomed = life.pick(members);
    const other = members.find((m) => m !== doomed);
    if (doomed.guest.stateHash() !== other.guest.stateHash()) finding(`victim ${doomed.name}'s ${doomed.member} and ${other.member} are in different states in slice ${s}`);
    lifecycle(`destroying victim ${doomed.name}'s ${doomed.member}`, () => {
      const freed = destroy(doomed.guest, `victim ${doomed.name}'s ${doomed.member}`);
      victims.splice(victims.indexOf(doomed), 1);
      forkStats.victimsDestroyed++;
      if (withAttackers && life.int(2) === 0) newcomer(1 << 20, freed);
    });
  };

  const attackerEvent = (a) => {
    const extra = attackers.length - attackerCount;
    if (life.int(FORK_EVERY) === 0 && extra < EXTRA_ATTACKERS) {
      try {
        lifecycle(`forking ${describeAttacker(a)}`, () => {
          attackers.push({ guest: a.guest.fork(), index: nextIndex++, kernel: a.kernel, ramBytes: a.ramBytes, L: a.L, forkOf: a.index });
          forkStats.attackerForks++;
        });
      } catch (e) {
        finding(`forking ${describeAttacker(a)} in slice ${s}: the core threw: ${describeError(e)}`);
        return;
      }
    }
    if (extra >= 2 && life.int(DESTROY_EVERY) === 0) {
      // Preferably one whose pages a fork still reads, else one that reads a fork's.
      const others = attackers.filter((x) => x !== a);
      const read = others.filter((x) => readByOthers(x.guest));
      const sharing = others.filter((x) => x.guest.sharing.sharedPages > 0);
      const doomed = life.pick(read.length > 0 && life.int(3) !== 0 ? read : sharing.length > 0 ? sharing : others);
      lifecycle(`destroying ${describeAttacker(doomed)}`, () => {
        const freed = destroy(doomed.guest, describeAttacker(doomed));
        attackers.splice(attackers.indexOf(doomed), 1);
        forkStats.attackersDestroyed++;
        if (life.int(2) === 0) newcomer(doomed.ramBytes, freed);
      });
    }
  };

  const stops = {};
  const done = () => (withAttackers ? attackerInstructions >= minAttackerInstructions || (stopOnFinding && findings.length > 0) : s >= slices);
  for (; !done(); s++) {
    if (victimForks) {
      victimEvent();
      coverage.collect(hv.core); // the host's fork and destroy paths, not the victims' runs
    }
    for (const v of victims) {
      try {
        v.guest.run(quantum);
      } catch (e) {
        finding(`victim ${v.name} (${v.member}) in slice ${s}: the core threw: ${describeError(e)}`);
      }
      v.out.push(v.guest.readConsole());
    }
    // Every member of a victim's lineage ran the same slices from the same state.
    for (let o = 0; o < origins; o++) {
      const members = victims.filter((v) => v.origin === o);
      if (members.length < 2) continue;
      const [first, ...rest] = members;
      const out = Buffer.from(first.out[first.out.length - 1]);
      const cpu = cpuState(first.guest);
      for (const m of rest) {
        if (m.diverged) continue; // reported once
        m.diverged = true;
        if (!out.equals(Buffer.from(m.out[m.out.length - 1]))) finding(`victim ${m.name}'s ${m.member} printed something else than ${first.member} in slice ${s}`);
        else if (cpuState(m.guest) !== cpu) finding(`victim ${m.name}'s ${m.member} has other registers than ${first.member} after slice ${s}`);
        else m.diverged = false;
      }
    }
    if (stopOnFinding && findings.length > 0) break;
    hv.core.coverageReset(); // the victims' paths are not the attackers'
    // Forks and newcomers made during the slice run from the next one.
    for (const a of attackers.slice()) {
      if (!attackers.includes(a)) continue; // destroyed in this slice
      if (attackerForks) {
        attackerEvent(a);
        if (!attackers.includes(a)) continue;
      }
      restart(a, g);
      if (attackerForks && a.guest.sharing.sharedPages > 0) forkStats.attackerTurnsSharing++;
      const instretBefore = a.guest.instret;
      let stop;
      let ran;
      try {
        stop = a.guest.run(quantum);
        ran = a.guest.lastRunCount;
      } catch (e) {
        ran = Math.max(0, a.guest.instret - instretBefore);
        attackerInstructions += ran;
        finding(`${describeAttacker(a)} in slice ${s}, after ${attackerInstructions} attacker instructions: the core threw: ${describeError(e)}`);
        stop = 'threw';
        ran = 0;
      }
      coverage.collect(hv.core);
      attackerInstructions += ran;
      a.guest.readConsole();
      stops[stop] = (stops[stop] ?? 0) + 1;
      if (stop === StopReason.Faulted && a.guest.fault.kind === 'internal-error') {
        finding(`${describeAttacker(a)} in slice ${s}, after ${attackerInstructions} attacker instructions: ${a.guest.fault.message}`);
      }
      if (stop === 'threw' || stop === StopReason.Halted || stop === StopReason.Faulted || stop === StopReason.Reset) arm(a, g, false);
      else if (stop === StopReason.Wfi && a.guest.nextDeadline === Infinity) arm(a, g, false);
      if (stopOnFinding && findings.length > 0) break;
    }
  }
  for (const x of live()) forkStats.cowCopies += x.sharing.copiedPages;
  coverage.collect(hv.core);
  return {
    slices: s,
    // Every live member of each victim's lineage, with all it printed (a fork's output starts with its parent's).
    victims: victims.map((v) => ({ name: v.name, origin: v.origin, member: v.member, output: Buffer.concat(v.out).toString('latin1'), hash: v.guest.stateHash() })),
    attackerInstructions,
    attackersAtEnd: attackers.length,
    stops,
    findings,
    firstFinding,
    forks: forkStats,
    coverage: coverage.summary(),
    // since the last fork, destroy or create (or since the start)
    outsideChanged: withAttackers && !outsideUnchanged(hv, live(), outside),
    jit: hv.jitStats(),
  };
}

/**
 * One campaign. Options: seed, attackerInstructions (at least that many), attackers (4),
 * quantum (20,000), core (a .wasm path; default the library's: $MINIVISOR_CORE or the release
 * core), mix ('biased', the default, or 'random': the old all-random attackers), stopOnFinding,
 * forks (true: attackers and victims are forked, forks destroyed and regions reused as described
 * above; false: the fixed set of guests; 'attackers': only attackers fork). Attacker forks need
 * the biased mix (the random mix rewrites RAM through ram() every slice, which ends all sharing).
 *
 * Returns { findings: string[], firstFinding: { attackerInstructions, seconds, slice } | null,
 * attackerInstructions, seconds, stops, victims, forks, coverage } where coverage is
 * { counted, total, reached, percent, points, unreached } (counted only on the checked core) and
 * forks counts the lifecycle steps. A finding is any difference from the reference run, a core
 * trap, an exception out of the core, a victim's fork that parts from its victim, or a change to
 * memory outside the regions.
 */
/**
 * Translation in fuzzing campaigns: a block is translated on its second execution, so that the
 * attackers' and victims' code runs translated as much as it can (the reference run interprets).
 */
export const FUZZ_JIT = { hot: 2 };

export async function campaign({ seed, attackerInstructions, attackers = 4, quantum = 20_000, core, mix = 'biased', stopOnFinding = false, forks = true, jit = FUZZ_JIT }) {
  const t0 = performance.now();
  const attackerForks = forks !== false && mix === 'biased';
  // The victims' first forks happen early, in slice 1..4, so that the lineages run most of the campaign.
  const victimForks = forks === true ? { at: 1 + (rng((seed ^ 0x0f0f_1234) >>> 0).int(4)) } : false;
  let attacked;
  try {
    attacked = await runVictims({
      slices: 0, quantum, withAttackers: true, seed, attackerCount: attackers, minAttackerInstructions: attackerInstructions, core, mix, stopOnFinding, attackerForks, victimForks, jit,
    });
  } catch (e) {
    return {
      findings: [`seed ${seed}: the campaign threw: ${describeError(e)}`], firstFinding: { attackerInstructions: 0, seconds: 0, slice: 0 },
      attackerInstructions: 0, seconds: (performance.now() - t0) / 1e3, stops: {}, victims: [], forks: null, coverage: new CoverageAccumulator().summary(),
    };
  }
  const seconds = (performance.now() - t0) / 1e3;
  const findings = [...attacked.findings];
  let { firstFinding } = attacked;
  // The same victims, the same slices, no attackers, no forks, every instruction interpreted:
  // what every member of a victim's lineage must match.
  const reference = await runVictims({ slices: attacked.slices, quantum, withAttackers: false, seed, attackerCount: 0, core, jit: false });
  const late = (what) => {
    findings.push(`seed ${seed}: ${what}`);
    firstFinding ??= { attackerInstructions: attacked.attackerInstructions, seconds, slice: attacked.slices };
  };
  for (const got of attacked.victims) {
    const ref = reference.victims[got.origin];
    const who = got.member === 'the victim' ? ref.name : `${ref.name}'s ${got.member}`;
    if (got.output !== ref.output) late(`${who}: console output differs from the run without attackers`);
    if (got.hash !== ref.hash) late(`${who}: state hash ${got.hash} differs from ${ref.hash}`);
  }
  if (attacked.outsideChanged) late(`memory outside the guests' regions changed`);
  return {
    findings,
    firstFinding,
    attackerInstructions: attacked.attackerInstructions,
    seconds,
    slices: attacked.slices,
    stops: attacked.stops,
    victims: attacked.victims,
    forks: attackerForks || victimForks ? attacked.forks : null,
    coverage: attacked.coverage,
    jit: attacked.jit,
  };
}

// `npm run fuzz -- --instructions 1e10 --seed N [--attackers 4] [--core build/minivisor-checked.wasm]
// [--mix biased|random] [--per-campaign 1e8] [--stop-on-finding] [--forks on|off|attackers] [--jit on|off]`: long campaigns, one per seed in
// turn from N, until the attackers have run that many instructions in all.
if (import.meta.url === `file://${process.argv[1]}`) {
  const { parseArgs } = await import('node:util');
  const { values } = parseArgs({
    options: {
      instructions: { type: 'string', default: '1e8' },
      seed: { type: 'string', default: '1' },
      attackers: { type: 'string', default: '4' },
      core: { type: 'string' },
      mix: { type: 'string', default: 'biased' },
      'per-campaign': { type: 'string', default: '1e8' },
      'stop-on-finding': { type: 'boolean', default: false },
      forks: { type: 'string', default: 'on' },
      jit: { type: 'string', default: 'on' },
    },
  });
  const total = Number(values.instructions);
  const attackers = Number(values.attackers);
  const perCampaign = Math.min(total, Number(values['per-campaign']));
  let seed = Number(values.seed);
  if (!(total > 0) || !(perCampaign > 0) || !Number.isInteger(seed) || !(attackers > 0) || !['biased', 'random'].includes(values.mix) || !['on', 'off', 'attackers'].includes(values.forks) || !['on', 'off'].includes(values.jit)) {
    console.error('usage: npm run fuzz -- --instructions 1e10 --seed 1 [--attackers 4] [--core build/minivisor-checked.wasm] [--mix biased|random] [--per-campaign 1e8] [--stop-on-finding] [--forks on|off|attackers] [--jit on|off]');
    process.exit(2);
  }
  const core = values.core;
  const forks = values.forks === 'on' ? true : values.forks === 'off' ? false : 'attackers';
  const jit = values.jit === 'on' ? FUZZ_JIT : false;
  console.log(`core ${core ?? process.env.MINIVISOR_CORE ?? 'build/minivisor.wasm'}, ${values.mix} attackers x${attackers}, forks ${values.forks}, jit ${values.jit}${jit ? ` (hot ${jit.hot})` : ''}, ${total} attacker instructions from seed ${seed}`);
  const jitTotals = { translations: 0, instructions: 0, invalidations: 0, flushes: 0 };
  const forkTotals = {};
  let done = 0;
  let findings = 0;
  const summaries = [];
  const t0 = performance.now();
  while (done < total) {
    const r = await campaign({ seed, attackerInstructions: perCampaign, attackers, core, mix: values.mix, stopOnFinding: values['stop-on-finding'], forks, jit });
    for (const [k, v] of Object.entries(r.forks ?? {})) forkTotals[k] = (forkTotals[k] ?? 0) + v;
    for (const k of Object.keys(jitTotals)) jitTotals[k] += r.jit?.[k] ?? 0;
    done += r.attackerInstructions;
    findings += r.findings.length;
    summaries.push(r.coverage);
    for (const f of r.findings) console.log(`FINDING ${f}`);
    if (r.firstFinding) console.log(`seed ${seed}: first finding after ${r.firstFinding.attackerInstructions} attacker instructions, ${r.firstFinding.seconds.toFixed(1)} s`);
    const secs = (performance.now() - t0) / 1e3;
    console.log(`seed ${seed}: ${(r.attackerInstructions / 1e6).toFixed(0)}M attacker instructions in ${r.seconds.toFixed(1)} s ` +
      `(${(r.attackerInstructions / 1e6 / r.seconds).toFixed(1)} M/s), stops ${JSON.stringify(r.stops)}, ${r.coverage.counted ? `${r.coverage.reached}/${r.coverage.total} points` : 'coverage not counted'}; ` +
      `${r.forks ? `forks ${JSON.stringify(r.forks)}; ` : ''}total ${(done / 1e9).toFixed(2)}e9 in ${secs.toFixed(0)} s, ${findings} findings`);
    seed++;
    if (findings && values['stop-on-finding']) break;
    if (r.attackerInstructions === 0) {
      console.log('stopping: the campaign could not run (see the finding above)');
      break;
    }
  }
  const all = mergeSummaries(summaries);
  const secs = (performance.now() - t0) / 1e3;
  console.log(`done: ${done} attacker instructions, seeds ${values.seed}..${seed - 1}, ${secs.toFixed(0)} s (${(done / 1e6 / secs).toFixed(1)} M/s), ${findings} findings`);
  if (Object.keys(forkTotals).length) console.log(`lifecycle: ${JSON.stringify(forkTotals)}`);
  if (jit) console.log(`translated: ${jitTotals.translations} regions, ${jitTotals.instructions} instructions (attackers and victims), ${jitTotals.invalidations} pages invalidated, cache emptied ${jitTotals.flushes}x`);
  console.log(formatCoverage(all));
  if (all.counted) console.log(`hits per point: ${Object.entries(all.points).map(([n, c]) => `${n.slice(4)}=${c}`).join(' ')}`);
  process.exit(findings ? 1 : 0);
}
