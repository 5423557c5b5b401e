// Linux boot with the JIT on and off (issue 16: "every guest gains: Linux boots faster"):
// guests/bin/linux-rv32imac.Image, deterministic time, a fixed number of instructions (60 M:
// the shell prompt), each run in a fresh Node process so that every run pays for compiling its
// translations as a user would. Runs are interleaved (off, on, off, on, ...) so that a noisy
// host weighs on both alike; prints medians, spread (min..max), wall and CPU time (CPU time
// includes V8's background compiler threads). Prints figures only: it never fails on time.
//
//   node bench/jit-linux.mjs [--runs N] [--instructions N] [--hot N]

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);

if (args[0] === '--child') {
  // One boot: prints {wall, cpu, ...} as JSON.
  const [, mode, instructions] = args;
  const { Hypervisor } = await import('../dist/index.js');
  const image = readFileSync(fileURLToPath(new URL('../guests/bin/linux-rv32imac.Image', import.meta.url)));
  const hv = await Hypervisor.create({ jit: mode === 'off' ? false : mode === 'on' ? true : { hot: Number(mode) } });
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const g = hv.createGuest({ ramBytes: 64 << 20, deterministic: true });
  g.bootKernel(image, { bootargs: '' });
  let text = '';
  while (g.instret < Number(instructions)) {
    g.run(1_000_000);
    text = (text + Buffer.from(g.readConsole()).toString('latin1')).slice(-4096);
  }
  const c = process.cpuUsage(c0);
  const s = hv.jitStats();
  console.log(JSON.stringify({
    wall: performance.now() - t0, cpu: (c.user + c.system) / 1e3, prompt: text.includes('# '),
    regions: s.translations, translated: s.instructions / g.instret, compileMs: s.compileMs, hash: g.stateHash(),
  }));
  process.exit(0);
}

const RUNS = opt('--runs', 5);
const N = opt('--instructions', 60_000_000);
const HOT = opt('--hot', 0);
const on = HOT > 0 ? String(HOT) : 'on';
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const self = fileURLToPath(import.meta.url);
const once = (mode) => JSON.parse(execFileSync(process.execPath, [self, '--child', mode, String(N)]).toString());
const res = { off: [], [on]: [] };
console.log(`Linux boot, ${(N / 1e6).toFixed(0)} M instructions, JIT off vs ${HOT ? `on (hot ${HOT})` : 'on (default threshold)'}: ${RUNS} interleaved runs, a fresh process each`);
for (let i = 1; i <= RUNS; i++) {
  for (const mode of ['off', on]) res[mode].push(once(mode));
  const a = res.off.at(-1);
  const b = res[on].at(-1);
  console.log(`run ${i}: off ${a.wall.toFixed(0)} ms (cpu ${a.cpu.toFixed(0)}); on ${b.wall.toFixed(0)} ms (cpu ${b.cpu.toFixed(0)}), ${b.regions} regions, ${(100 * b.translated).toFixed(1)}% translated, compile ${b.compileMs.toFixed(0)} ms${a.hash === b.hash ? '' : ' -- stateHash differs!'}${a.prompt && b.prompt ? '' : ' -- no prompt!'}`);
}
const fmt = (xs) => `median ${median(xs).toFixed(0)} ms, spread ${Math.min(...xs).toFixed(0)}..${Math.max(...xs).toFixed(0)}`;
for (const mode of ['off', on]) {
  const r = res[mode];
  console.log(`jit ${mode.padEnd(3)}: wall ${fmt(r.map((x) => x.wall))}; cpu ${fmt(r.map((x) => x.cpu))}`);
}
const ratio = median(res[on].map((x) => x.wall)) / median(res.off.map((x) => x.wall));
console.log(`on / off (wall medians): ${ratio.toFixed(2)}x${ratio <= 1 ? ' (the JIT boots Linux faster)' : ' (the JIT boots Linux slower)'}`);
