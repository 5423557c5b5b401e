// Live migration between the page's host CPUs (workers), in Chromium: pre-copy rounds, pages
// per round, bytes, total time and downtime (the guest paused on the source until it resumes on
// the destination, measured by the two workers' clocks), for
//   - an idle booted Linux (64 MiB; issue 11's target: downtime under 10 ms),
//   - Linux busy in its shell (`yes > /dev/null &`: CPU, few pages),
//   - Linux rewriting a 4 MiB file in tmpfs in a loop (dd: it dirties pages as fast as it can;
//     the round limit, then stop-and-copy),
//   - the CPU benchmark guest (bench: sorts, matrices; booted again whenever it finishes),
//   - minios printing numbered lines (bench 4000) to its console.
// Each one migrates there and back REPEAT times. Prints figures only; never fails on time.
//
//   npm run build:web && node bench/page-migration.mjs [--repeat N] [--no-linux]

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { servePage } from './served-page.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const REPEAT = opt('repeat', 3);
const LINUX = !args.includes('--no-linux');

if (!existsSync(`${root}/dist-web/index.html`)) {
  console.error('dist-web/ is missing: run `npm run build:web` first');
  process.exit(2);
}

const { server, url, browser } = await servePage(4175);

const f = (x, d = 1) => (x === undefined ? '–' : x.toFixed(d));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const PROMPT = /(\/ # |root@minivisor:\/# )$/m;

async function waitText(page, id, re, timeout = 120_000) {
  await page.waitForFunction(([i, src, flags]) => new RegExp(src, flags).test(window.minivisor.text(i)), [id, re.source, re.flags], { timeout, polling: 100 });
}

async function migrateBackAndForth(page, label, id) {
  const rows = [];
  for (let k = 0; k < REPEAT * 2; k++) {
    const { worker: from, state } = await page.evaluate((i) => window.minivisor.guests().find((g) => g.id === i), id);
    if (state === 'halted') {
      await page.evaluate((i) => window.minivisor.reset(i), id);
      await page.waitForTimeout(200);
    }
    const m = await page.evaluate(([i, w]) => window.minivisor.migrate(i, w), [id, 1 - from]);
    rows.push(m);
    console.log(
      `  ${label.padEnd(22)} ${m.from}→${m.to}  ${String(m.rounds.length).padStart(2)} rounds (${m.rounds.map((r) => r.pages).join(', ')} pages)  ` +
        `${f(m.bytes / 1048576, 2)} MiB  total ${f(m.totalMs)} ms  downtime ${f(m.downtimeMs, 2)} ms  (stop request to resumed, as the page saw it: ${f(m.stopCopyMs)} ms)`,
    );
    await page.waitForTimeout(300);
  }
  console.log(`  ${label}: median downtime ${f(median(rows.map((m) => m.downtimeMs)), 2)} ms, median rounds ${median(rows.map((m) => m.rounds.length))}, median total ${f(median(rows.map((m) => m.totalMs)))} ms`);
  return rows;
}

try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.goto(new URL('?workers=2', url).href);
  await page.evaluate(() => window.minivisor.ready);
  const catalogue = await page.evaluate(() => window.minivisor.catalogue());
  console.log(`page-migration: Chromium, 2 host CPUs, ${REPEAT} migrations each way`);

  if (LINUX && catalogue.includes('linux')) {
    const linux = await page.evaluate(() => window.minivisor.launch('linux'));
    await page.evaluate((i) => window.minivisor.select(i), linux);
    await waitText(page, linux, PROMPT);
    await page.waitForTimeout(2000); // settled: asleep in WFI between timer ticks
    await migrateBackAndForth(page, 'Linux, idle', linux);
    await page.evaluate((i) => window.minivisor.type(i, 'yes > /dev/null &\r'), linux);
    await page.waitForTimeout(1000);
    await migrateBackAndForth(page, 'Linux, busy (yes)', linux);
    await page.evaluate((i) => window.minivisor.type(i, 'kill %1; while true; do dd if=/dev/zero of=/tmp/x bs=64k count=64 2>/dev/null; done &\r'), linux);
    await page.waitForTimeout(1500);
    await migrateBackAndForth(page, 'Linux, dirtying (dd)', linux);    await page.evaluate((i) => window.minivisor.destroy(i), linux);
  } else {
    console.log('  (no Linux image in the catalogue: guests/linux/build.sh builds it)');
  }

  const bench = await page.evaluate(() => window.minivisor.launch('bench'));
  await page.evaluate((i) => window.minivisor.select(i), bench);
  await page.waitForTimeout(500);
  await migrateBackAndForth(page, 'bench (CPU, memory)', bench);
  await page.evaluate((i) => window.minivisor.destroy(i), bench);

  const minios = await page.evaluate(() => window.minivisor.launch('minios'));
  await page.evaluate((i) => window.minivisor.select(i), minios);
  await waitText(page, minios, /Type `help`\./);
  await page.evaluate((i) => window.minivisor.type(i, 'bench 4000\r'), minios);
  await waitText(page, minios, /bench\s+\d+\/4000/);
  await migrateBackAndForth(page, 'minios printing', minios);
} finally {
  await browser.close();
  await new Promise((r) => server.httpServer.close(r));
}
