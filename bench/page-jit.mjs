// The JIT in Chromium's worker (issue 16): the bench guest (guests/bin/bench.elf, ~300 M
// instructions) launched on the built page with translation on and off, interleaved, each run a
// fresh guest on the same worker after one warm-up per mode (so that V8 has tiered up the core).
// Prints, per mode, the median guest MIPS with its spread (min..max), and the on/off ratio.
//
// MIPS here is instructions / the worker's time running the guest (GuestStats.hostMs): the CPU
// figure inside the worker, without the page's event-loop gaps. The wall figure (launch to
// power-off, as seen by the page) is printed beside it. Prints figures only; never fails on time.
// `npm run bench:page` builds the site first.
//
//   node bench/page-jit.mjs [--runs N] [--guest bench|bench-paged]

import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { servePage } from './served-page.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const RUNS = Number(arg('runs', 5));
const GUEST = arg('guest', 'bench');

if (!existsSync(`${root}/dist-web/index.html`)) {
  console.error('dist-web/ is missing: run `npm run build:web` first (or `npm run bench:page`)');
  process.exit(2);
}

const { server, url, browser } = await servePage(4175);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** One run: launch, wait for power-off and the worker's last numbers, then remove the guest. */
async function run(page, jit) {
  return page.evaluate(
    async ({ guest, jit }) => {
      const mv = window.minivisor;
      const t0 = performance.now();
      const id = await mv.launch({ name: guest, options: { jit } });
      let wallMs = 0;
      for (;;) {
        const s = mv.stats(id);
        if (!wallMs && mv.guests().find((g) => g.id === id)?.state === 'halted') wallMs = performance.now() - t0;
        // the snapshot taken after the power-off holds the final count and time
        if (s && s.state === 'halted' && s.pageState === 'halted') {
          const worker = mv.workers()[mv.guests().find((g) => g.id === id).worker];
          await mv.destroy(id);
          return { instructions: s.instructions, hostMs: s.hostMs, wallMs, exitCode: s.exitCode, jitStats: worker.jit };
        }
        if (s && (s.pageState === 'faulted' || s.pageState === 'crashed')) throw new Error(`${guest} ${s.pageState}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    { guest: GUEST, jit },
  );
}

try {
  const page = await browser.newPage();
  await page.goto(new URL('?workers=1', url).href);
  await page.evaluate(() => window.minivisor.ready);
  // warm-up: V8 compiles the core in tiers; the first runs are not representative
  await run(page, true);
  await run(page, false);
  const results = { on: [], off: [] };
  for (let i = 0; i < RUNS; i++) {
    for (const jit of i % 2 ? [false, true] : [true, false]) {
      const r = await run(page, jit);
      if (r.exitCode !== 0) throw new Error(`${GUEST} exited with ${r.exitCode}`);
      results[jit ? 'on' : 'off'].push(r);
      process.stderr.write(`  run ${i + 1} JIT ${jit ? 'on ' : 'off'}: ${(r.instructions / r.hostMs / 1e3).toFixed(0)} MIPS (${(r.instructions / 1e6).toFixed(0)} M instructions in ${r.hostMs.toFixed(0)} ms; wall ${r.wallMs.toFixed(0)} ms)\n`);
    }
  }
  const figures = (rs) => {
    const mips = rs.map((r) => r.instructions / r.hostMs / 1e3);
    const wall = rs.map((r) => r.instructions / r.wallMs / 1e3);
    return { mips, med: median(mips), min: Math.min(...mips), max: Math.max(...mips), wall: median(wall) };
  };
  const on = figures(results.on);
  const off = figures(results.off);
  const j = results.on.at(-1).jitStats;
  console.log(`JIT in Chromium's worker: ${GUEST}.elf on the page, ${RUNS} runs per mode (interleaved, after a warm-up), Chromium ${browser.version()}`);
  console.log(`  machine: ${cpus().length} hardware threads, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  const line = (name, f) =>
    `  JIT ${name.padEnd(3)}: median ${f.med.toFixed(0).padStart(5)} MIPS (spread ${f.min.toFixed(0)}..${f.max.toFixed(0)}, ±${((100 * (f.max - f.min)) / 2 / f.med).toFixed(0)} %); by wall time ${f.wall.toFixed(0)} MIPS`;
  console.log(line('on', on));
  console.log(line('off', off));
  console.log(`  on/off: ×${(on.med / off.med).toFixed(2)} (medians)`);
  if (j) console.log(`  the worker's JIT after all runs: ${j.translations} translations, ${j.invalidations} invalidations, ${j.flushes} flushes, ${j.compileMs.toFixed(0)} ms compiling, cache ${(j.cacheBytes / 1024).toFixed(0)} KiB`);
} finally {
  await browser.close();
  await new Promise((r) => server.httpServer.close(r));
}
