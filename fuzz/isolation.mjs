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
//    data, everything past the last region) is byte for byte unchanged, except the checked
//    core's coverage counters.
//
// The attackers' programs (fuzz/generator.mjs) aim at the edges where isolation bugs hide; on the
// checked core the campaign also measures which of the core's slow paths they reached
// (fuzz/coverage.mjs, names from assembly/coverage.ts).
//
// Everything derives from the seed, and guests run in deterministic time, so a finding can be
// replayed exactly: `node fuzz/isolation.mjs --seed N --instructions M [--core path]`.

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
function createAttacker(hv, g, index, mix) {
  if (mix === 'random') {
    const guest = hv.createGuest({ ramBytes: 1 << 20, deterministic: true });
    armRandom(guest, g, true);
    return { guest, index, kernel: false, ramBytes: 1 << 20 };
  }
  const kernel = index % 4 === 2;
  const ramBytes = index === 0 ? 1 << 20 : g.pick(RAM_SIZES);
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
  else if (g.int(8) === 0) rewriteWindow(guest.ram(), g, a.L);
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
 * A hash of the instance's memory that belongs to no guest: [0x8000, first region), between
 * regions and past the last, minus the checked core's coverage counters (which count).
 */
function outsideRegions(hv, guests) {
  const mem = new Uint8Array(hv.core.memory.buffer);
  const regions = guests.map((x) => x.region()).sort((p, q) => p.base - q.base);
  const spans = [[0x8000, regions[0].base]];
  for (let i = 0; i + 1 < regions.length; i++) spans.push([regions[i].base + regions[i].size, regions[i + 1].base]);
  const last = regions[regions.length - 1];
  spans.push([last.base + last.size, mem.length]);
  const covFrom = hv.core.coveragePtr() >>> 0;
  const covTo = covFrom + 4 * COVERAGE_SLOTS;
  let h = 0x811c9dc5;
  for (const [from, to] of spans) {
    for (let i = from; i < to; i++) {
      if (i === covFrom) i = covTo;
      if (i >= to) break;
      h = Math.imul(h ^ mem[i], 0x01000193);
    }
  }
  return `${spans.map(([f, t]) => `${f.toString(16)}-${t.toString(16)}`).join(',')}:${(h >>> 0).toString(16)}`;
}

function describeError(e) {
  if (e instanceof IsolationViolationError) return e.message;
  return e && e.stack ? e.stack.split('\n').slice(0, 4).join(' | ') : String(e);
}

/**
 * Runs the victims for `slices` rounds of `quantum` instructions each (with attackers: until the
 * attackers have run `minAttackerInstructions`, however many rounds that takes, or until the first
 * finding when `stopOnFinding`).
 */
async function runVictims({ slices, quantum, withAttackers, seed, attackerCount, minAttackerInstructions = 0, core, mix, stopOnFinding }) {
  const hv = await Hypervisor.create(core === undefined ? {} : { wasm: core });
  const g = rng(seed);
  const attackers = [];
  const findings = [];
  let firstFinding = null;
  const t0 = performance.now();
  let attackerInstructions = 0;
  const finding = (what) => {
    findings.push(`seed ${seed}: ${what}`);
    firstFinding ??= { attackerInstructions, seconds: (performance.now() - t0) / 1e3 };
  };
  // Attackers and victims alternate in memory, so that every victim's region sits right above
  // an attacker's: an overrun past an attacker's RAM would land in a victim.
  const victims = victimImages().map(({ name, bytes }) => {
    if (withAttackers) attackers.push(createAttacker(hv, g, attackers.length, mix));
    const guest = hv.createGuest({ ramBytes: 1 << 20, deterministic: true });
    guest.load(bytes);
    return { name, guest, out: [] };
  });
  if (withAttackers) while (attackers.length < attackerCount) attackers.push(createAttacker(hv, g, attackers.length, mix));
  const coverage = new CoverageAccumulator();
  hv.core.coverageReset();
  const before = withAttackers ? outsideRegions(hv, [...victims.map((v) => v.guest), ...attackers.map((a) => a.guest)]) : '';
  const stops = {};
  let s = 0;
  const done = () => (withAttackers ? attackerInstructions >= minAttackerInstructions || (stopOnFinding && findings.length > 0) : s >= slices);
  for (; !done(); s++) {
    for (const v of victims) {
      try {
        v.guest.run(quantum);
      } catch (e) {
        finding(`victim ${v.name} in slice ${s}: the core threw: ${describeError(e)}`);
      }
      v.out.push(v.guest.readConsole());
    }
    hv.core.coverageReset(); // the victims' paths are not the attackers'
    for (const a of attackers) {
      restart(a, g);
      const instretBefore = a.guest.instret;
      let stop;
      let ran;
      try {
        stop = a.guest.run(quantum);
        ran = a.guest.lastRunCount;
      } catch (e) {
        ran = Math.max(0, a.guest.instret - instretBefore);
        attackerInstructions += ran;
        finding(`attacker ${a.index} (${a.kernel ? 'kernel, ' : ''}${a.ramBytes} bytes of RAM) in slice ${s}, after ${attackerInstructions} attacker instructions: the core threw: ${describeError(e)}`);
        stop = 'threw';
        ran = 0;
      }
      coverage.collect(hv.core);
      attackerInstructions += ran;
      a.guest.readConsole();
      stops[stop] = (stops[stop] ?? 0) + 1;
      if (stop === StopReason.Faulted && a.guest.fault.kind === 'internal-error') {
        finding(`attacker ${a.index} (${a.kernel ? 'kernel, ' : ''}${a.ramBytes} bytes of RAM) in slice ${s}, after ${attackerInstructions} attacker instructions: ${a.guest.fault.message}`);
      }
      if (stop === 'threw' || stop === StopReason.Halted || stop === StopReason.Faulted || stop === StopReason.Reset) arm(a, g, false);
      else if (stop === StopReason.Wfi && a.guest.nextDeadline === Infinity) arm(a, g, false);
      if (stopOnFinding && findings.length > 0) break;
    }
  }
  return {
    slices: s,
    victims: victims.map((v) => ({ name: v.name, output: Buffer.concat(v.out).toString('latin1'), hash: v.guest.stateHash() })),
    attackerInstructions,
    stops,
    findings,
    firstFinding,
    coverage: coverage.summary(),
    outsideBefore: before,
    outsideAfter: withAttackers ? outsideRegions(hv, [...victims.map((v) => v.guest), ...attackers.map((a) => a.guest)]) : '',
  };
}

/**
 * One campaign. Options: seed, attackerInstructions (at least that many), attackers (4),
 * quantum (20,000), core (a .wasm path; default the library's: $MINIVISOR_CORE or the release
 * core), mix ('biased', the default, or 'random': the old all-random attackers), stopOnFinding.
 *
 * Returns { findings: string[], firstFinding: { attackerInstructions, seconds } | null,
 * attackerInstructions, seconds, stops, victims, coverage } where coverage is
 * { counted, total, reached, percent, points, unreached } (counted only on the checked core).
 * A finding is any difference from the reference run, a core trap, or an exception out of the core.
 */
export async function campaign({ seed, attackerInstructions, attackers = 4, quantum = 20_000, core, mix = 'biased', stopOnFinding = false }) {
  const t0 = performance.now();
  let attacked;
  try {
    attacked = await runVictims({
      slices: 0, quantum, withAttackers: true, seed, attackerCount: attackers, minAttackerInstructions: attackerInstructions, core, mix, stopOnFinding,
    });
  } catch (e) {
    return {
      findings: [`seed ${seed}: the campaign threw: ${describeError(e)}`], firstFinding: { attackerInstructions: 0, seconds: 0 },
      attackerInstructions: 0, seconds: (performance.now() - t0) / 1e3, stops: {}, victims: [], coverage: new CoverageAccumulator().summary(),
    };
  }
  const seconds = (performance.now() - t0) / 1e3;
  const findings = [...attacked.findings];
  let { firstFinding } = attacked;
  // The same victims, the same slices, no attackers.
  const reference = await runVictims({ slices: attacked.slices, quantum, withAttackers: false, seed, attackerCount: 0, core });
  const late = (what) => {
    findings.push(`seed ${seed}: ${what}`);
    firstFinding ??= { attackerInstructions: attacked.attackerInstructions, seconds };
  };
  reference.victims.forEach((ref, i) => {
    const got = attacked.victims[i];
    if (got.output !== ref.output) late(`${ref.name}'s console output differs from the run without attackers`);
    if (got.hash !== ref.hash) late(`${ref.name}'s state hash ${got.hash} differs from ${ref.hash}`);
  });
  if (attacked.outsideBefore !== attacked.outsideAfter) late(`memory outside the guests' regions changed`);
  return {
    findings,
    firstFinding,
    attackerInstructions: attacked.attackerInstructions,
    seconds,
    stops: attacked.stops,
    victims: attacked.victims,
    coverage: attacked.coverage,
  };
}

// `npm run fuzz -- --instructions 1e10 --seed N [--attackers 4] [--core build/minivisor-checked.wasm]
// [--mix biased|random] [--per-campaign 1e8] [--stop-on-finding]`: long campaigns, one per seed in
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
    },
  });
  const total = Number(values.instructions);
  const attackers = Number(values.attackers);
  const perCampaign = Math.min(total, Number(values['per-campaign']));
  let seed = Number(values.seed);
  if (!(total > 0) || !(perCampaign > 0) || !Number.isInteger(seed) || !(attackers > 0) || !['biased', 'random'].includes(values.mix)) {
    console.error('usage: npm run fuzz -- --instructions 1e10 --seed 1 [--attackers 4] [--core build/minivisor-checked.wasm] [--mix biased|random] [--per-campaign 1e8] [--stop-on-finding]');
    process.exit(2);
  }
  const core = values.core;
  console.log(`core ${core ?? process.env.MINIVISOR_CORE ?? 'build/minivisor.wasm'}, ${values.mix} attackers x${attackers}, ${total} attacker instructions from seed ${seed}`);
  let done = 0;
  let findings = 0;
  const summaries = [];
  const t0 = performance.now();
  while (done < total) {
    const r = await campaign({ seed, attackerInstructions: perCampaign, attackers, core, mix: values.mix, stopOnFinding: values['stop-on-finding'] });
    done += r.attackerInstructions;
    findings += r.findings.length;
    summaries.push(r.coverage);
    for (const f of r.findings) console.log(`FINDING ${f}`);
    if (r.firstFinding) console.log(`seed ${seed}: first finding after ${r.firstFinding.attackerInstructions} attacker instructions, ${r.firstFinding.seconds.toFixed(1)} s`);
    const secs = (performance.now() - t0) / 1e3;
    console.log(`seed ${seed}: ${(r.attackerInstructions / 1e6).toFixed(0)}M attacker instructions in ${r.seconds.toFixed(1)} s ` +
      `(${(r.attackerInstructions / 1e6 / r.seconds).toFixed(1)} M/s), stops ${JSON.stringify(r.stops)}, ${r.coverage.counted ? `${r.coverage.reached}/${r.coverage.total} points` : 'coverage not counted'}; ` +
      `total ${(done / 1e9).toFixed(2)}e9 in ${secs.toFixed(0)} s, ${findings} findings`);
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
  console.log(formatCoverage(all));
  if (all.counted) console.log(`hits per point: ${Object.entries(all.points).map(([n, c]) => `${n.slice(4)}=${c}`).join(' ')}`);
  process.exit(findings ? 1 : 0);
}
