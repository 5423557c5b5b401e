// CPU benchmark: guests/bin/bench.elf (and bench-paged.elf when present) on minivisor's core in
// Node, through the host API, in guest MIPS; side by side with qemu-system-riscv32 when installed.
// Prints figures only: it never fails on time. `npm run bench` builds first (dist/ and the core).
//
//   node bench/cpu.mjs [--runs N] [--no-qemu]
//
// Each round runs the interpreter and then the JIT (translation on, issue 16) on the same ELF,
// interleaved, so that a noisy host weighs on both alike; the spread (min..max) over the runs
// is printed with the median.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { Hypervisor, StopReason, stopReasonName } from '../dist/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const guestsBin = join(root, 'guests', 'bin');
const args = process.argv.slice(2);
const runsArg = args.indexOf('--runs');
const RUNS = runsArg >= 0 ? Math.max(1, Number(args[runsArg + 1]) || 5) : 5;
const WITH_QEMU = !args.includes('--no-qemu');
const RAM_BYTES = 16 << 20;
const BUDGET = 50_000_000;
const QEMU = 'qemu-system-riscv32';

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (x, digits = 1) => x.toFixed(digits);

/** One run of the guest to power-off; returns instructions, wall seconds and the console output. */
function runOnce(hv, elf) {
  const guest = hv.createGuest({ ramBytes: RAM_BYTES });
  try {
    guest.load(elf);
    const chunks = [];
    let instructions = 0;
    const t0 = performance.now();
    for (;;) {
      const reason = guest.run(BUDGET);
      instructions += guest.lastRunCount;
      const out = guest.readConsole();
      if (out.length) chunks.push(out);
      if (reason === StopReason.Halted) break;
      if (reason === StopReason.Budget || reason === StopReason.OutputFull) continue;
      throw new Error(`bench guest stopped with ${stopReasonName(reason)} after ${instructions} instructions`);
    }
    const seconds = (performance.now() - t0) / 1000;
    const output = Buffer.concat(chunks).toString('utf8');
    return { instructions, seconds, exitCode: guest.exitCode, output };
  } finally {
    guest.destroy();
  }
}

function qemuAvailable() {
  if (!WITH_QEMU) return false;
  const r = spawnSync(QEMU, ['--version'], { encoding: 'utf8' });
  if (r.status !== 0) return false;
  const v = /version (\S+)/.exec(r.stdout)?.[1];
  return v ? `QEMU ${v}` : r.stdout.split('\n')[0];
}

/** Wall seconds of one QEMU run of `file` (process start to exit), and its output. */
function qemuOnce(file) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(QEMU, ['-M', 'virt', '-bios', 'none', '-nographic', '-monitor', 'none', '-kernel', file], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const seconds = (performance.now() - t0) / 1000;
      if (code !== 0) reject(new Error(`QEMU exited with ${code}: ${err.trim()}`));
      else resolve({ seconds, output: out });
    });
  });
}

const checksumOf = (output) => /checksum: (0x[0-9a-f]+)/.exec(output)?.[1];

async function benchOne(hv, name, qemuVersion) {
  const file = join(guestsBin, name);
  const elf = readFileSync(file);
  console.log(`\n== ${name}`);
  const warm = runOnce(hv, elf);
  runOnce(hvJit, elf);
  console.log(`warm-up: ${warm.instructions} instructions, ${fmt(warm.seconds, 3)} s, exit ${warm.exitCode}, checksum ${checksumOf(warm.output) ?? '(none)'}`);
  const mips = [];
  const secs = [];
  const jitMips = [];
  for (let i = 1; i <= RUNS; i++) {
    const r = runOnce(hv, elf);
    const m = r.instructions / r.seconds / 1e6;
    mips.push(m);
    secs.push(r.seconds);
    const j = runOnce(hvJit, elf);
    const jm = j.instructions / j.seconds / 1e6;
    jitMips.push(jm);
    const same = checksumOf(j.output) === checksumOf(r.output) ? '' : ' -- JIT checksum differs!';
    console.log(`run ${i}: interpreter ${fmt(r.seconds, 3)} s, ${fmt(m)} MIPS; jit ${fmt(j.seconds, 3)} s, ${fmt(jm)} MIPS${same}`);
  }
  const best = Math.max(...mips);
  const bestSeconds = Math.min(...secs);
  const spread = (xs) => `median ${fmt(median(xs))} MIPS, spread ${fmt(Math.min(...xs))}..${fmt(Math.max(...xs))} (${fmt((100 * (Math.max(...xs) - Math.min(...xs))) / median(xs), 0)}% of the median)`;
  console.log(`minivisor interpreter: ${spread(mips)}, best ${fmt(best)} MIPS (${fmt(bestSeconds, 3)} s)`);
  console.log(`minivisor jit:         ${spread(jitMips)}`);
  console.log(`jit / interpreter: ${fmt(median(jitMips) / median(mips), 2)}x (medians)`);

  if (qemuVersion) {
    const q = [];
    let qemuOutput = '';
    try {
      for (let i = 0; i < RUNS; i++) {
        const r = await qemuOnce(file);
        q.push(r.seconds);
        qemuOutput = r.output;
      }
    } catch (e) {
      console.log(`QEMU: failed (${e.message})`);
      return;
    }
    const qBest = Math.min(...q);
    const sameChecksum = checksumOf(qemuOutput) === checksumOf(warm.output);
    console.log(
      `${qemuVersion}: best ${fmt(qBest, 3)} s of ${q.map((s) => fmt(s, 3)).join(', ')} (wall time incl. start-up)` +
        `, ~${fmt(warm.instructions / qBest / 1e6)} MIPS-equivalent${sameChecksum ? '' : ' -- checksum differs!'}`,
    );
    const ratio = bestSeconds / qBest;
    console.log(
      ratio >= 1
        ? `ratio: minivisor takes ${fmt(ratio, 2)}x QEMU's time`
        : `ratio: minivisor takes ${fmt(ratio, 2)}x QEMU's time (${fmt(1 / ratio, 2)}x faster)`,
    );
  }
}

const hv = await Hypervisor.create({ jit: false });
const hvJit = await Hypervisor.create({ jit: true });
const qemuVersion = qemuAvailable();
console.log(`minivisor CPU benchmark: Node ${process.version}, ${RUNS} timed runs after a warm-up${qemuVersion ? '' : WITH_QEMU ? `; ${QEMU} not found, QEMU skipped` : '; QEMU skipped (--no-qemu)'}`);
if (qemuVersion) {
  try {
    const startup = [];
    for (let i = 0; i < 3; i++) startup.push((await qemuOnce(join(guestsBin, 'hello.elf'))).seconds);
    console.log(`QEMU start-up + power-off (hello.elf): best ${fmt(Math.min(...startup), 3)} s`);
  } catch {
    // hello.elf missing or QEMU refused it: the per-guest figures still follow
  }
}
for (const name of ['bench.elf', 'bench-paged.elf']) {
  if (!existsSync(join(guestsBin, name))) continue;
  try {
    await benchOne(hv, name, qemuVersion);
  } catch (e) {
    console.log(`${name}: ${e.message}`);
  }
}
compareEncodings();
process.exit(0);

/**
 * The same C program built for rv32imac (bench.elf) and rv32ima (bench-ima.elf): compressed
 * instructions must cost nothing, in the interpreter and translated. The four runs of a round
 * are interleaved; the ratio is of the medians (above 1: the compressed build is faster).
 */
function compareEncodings() {
  const imacFile = join(guestsBin, 'bench.elf');
  const imaFile = join(guestsBin, 'bench-ima.elf');
  if (!existsSync(imacFile) || !existsSync(imaFile)) return;
  const imac = readFileSync(imacFile);
  const ima = readFileSync(imaFile);
  console.log('\n== rv32imac (bench.elf) against rv32ima (bench-ima.elf), interleaved');
  const m = { interpreter: { imac: [], ima: [] }, jit: { imac: [], ima: [] } };
  const mipsOf = (r) => r.instructions / r.seconds / 1e6;
  for (let i = 1; i <= RUNS; i++) {
    for (const [label, h] of [['interpreter', hv], ['jit', hvJit]]) {
      m[label].imac.push(mipsOf(runOnce(h, imac)));
      m[label].ima.push(mipsOf(runOnce(h, ima)));
    }
  }
  for (const label of ['interpreter', 'jit']) {
    const { imac: c, ima: a } = m[label];
    const range = (xs) => `${fmt(median(xs))} MIPS (${fmt(Math.min(...xs))}..${fmt(Math.max(...xs))})`;
    console.log(`${label.padEnd(11)}: rv32imac ${range(c)}, rv32ima ${range(a)}; imac / ima ${fmt(median(c) / median(a), 2)}x`);
  }
}
