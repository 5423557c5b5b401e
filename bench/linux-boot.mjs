// Linux boot time: guests/bin/linux-rv32imac.Image (64 MiB) from launch to its shell prompt, in
// Node (the host API) and in Chromium (the page, through window.minivisor). Prints figures only.
//
//   node bench/linux-boot.mjs [--runs N]

import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Hypervisor } from '../dist/index.js';
import { servePage } from './served-page.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const RUNS = runsAt >= 0 ? Number(args[runsAt + 1]) : 5;
const image = readFileSync(`${root}guests/bin/linux-rv32imac.Image`);
const PROMPT = 'root@minivisor:/# '; // the BusyBox shell's prompt
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

async function nodeBoot(hv) {
  const g = hv.createGuest({ ramBytes: 64 << 20 });
  const t0 = performance.now();
  g.bootKernel(image);
  let text = '';
  let n = 0;
  while (!text.includes(PROMPT)) {
    g.run(1_000_000);
    n += g.lastRunCount;
    text = (text + Buffer.from(g.readConsole()).toString('latin1')).slice(-4096);
  }
  const ms = performance.now() - t0;
  g.destroy();
  return { ms, instructions: n };
}

const hv = await Hypervisor.create();
await nodeBoot(hv); // warm-up: the first run includes compiling the core
const node = [];
for (let i = 0; i < RUNS; i++) node.push(await nodeBoot(hv));
console.log(`Linux boot to the prompt in Node: median ${median(node.map((r) => r.ms)).toFixed(0)} ms, best ${Math.min(...node.map((r) => r.ms)).toFixed(0)} ms, ${(node[0].instructions / 1e6).toFixed(1)} M instructions (${RUNS} runs)`);

if (!existsSync(`${root}dist-web/index.html`)) {
  console.log('Chromium: dist-web/ missing (npm run build:web); not measured');
  process.exit(0);
}
const { server, browser } = await servePage(4175);
const page = await browser.newPage();
await page.goto(`${server.resolvedUrls.local[0]}?workers=1`);
await page.evaluate(() => window.minivisor.ready);
const chrome = [];
for (let i = 0; i <= RUNS; i++) {
  const ms = await page.evaluate(async () => {
    const t0 = performance.now();
    const id = await window.minivisor.launch('linux');
    while (!window.minivisor.text(id).includes('root@minivisor:/# ')) await new Promise((r) => setTimeout(r, 2));
    const dt = performance.now() - t0;
    await window.minivisor.destroy(id);
    return dt;
  });
  if (i > 0) chrome.push(ms); // the first includes compiling the core in the worker
}
console.log(`Linux boot to the prompt in Chromium (the page, launch to prompt on screen): median ${median(chrome).toFixed(0)} ms, best ${Math.min(...chrome).toFixed(0)} ms (${RUNS} runs)`);
await browser.close();
await server.close();
