// The network between Linux guests (issue 15): ping RTT (median and p99, as the guest's ping
// measures it) between two Linux guests on one host CPU, on two core instances in one thread,
// and on two threads (a worker_thread, as two workers of the page are); and the throughput of
// wget fetching a 4 MiB file from httpd in the other guest. Figures only, no pass or fail.
//
//   node bench/network.mjs [--pings N] [--page-only]
import { existsSync } from 'node:fs';
import { Worker, MessageChannel } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { launchNetwork } from '../dist/testing/index.js';
import { ChannelPort } from '../dist/index.js';
import { servePage } from './served-page.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const image = `${root}guests/bin/linux-rv32imac.Image`;
const args = process.argv.slice(2);
const at = args.indexOf('--pings');
const PINGS = at >= 0 ? Number(args[at + 1]) : 100;
const PROMPT = 'root@minivisor:';
const linux = (name, instance = 0) => ({ image, mode: 'kernel', ram: '64M', name, segment: 'lan', instance, timeout: 120_000 });

/** A console to type into and read from, local (TestGuest) or in a worker thread. */
function local(g) {
  return { type: (s) => g.type(s), text: () => g.console.text(), instructions: () => g.stats().instructions };
}

async function until(c, re, from, ms = 120_000) {
  const end = performance.now() + ms;
  for (;;) {
    const m = re.exec(c.text().slice(from));
    if (m) return m;
    if (performance.now() > end) throw new Error(`timed out waiting for ${re}; console ends:\n${c.text().slice(-500)}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

let seq = 0;
/** Runs a command; resolves to what it printed and the host time it took, in ms. */
async function sh(c, cmd, ms) {
  const tag = `@@${++seq}`;
  const from = c.text().length;
  const t0 = performance.now();
  c.type(`${cmd}; echo "${tag}:$?"\n`);
  const m = await until(c, new RegExp(`${tag}:(\\d+)\\r?\\n`), from, ms);
  const t = performance.now() - t0;
  const out = c.text().slice(from);
  if (m[1] !== '0') throw new Error(`\`${cmd}\` failed (${m[1]}):\n${out}`);
  return { out, ms: t };
}

async function ready(...consoles) {
  for (const c of consoles) {
    await until(c, new RegExp(PROMPT), 0);
    await sh(c, 'stty cols 250');
  }
}

// The fetch timed by the guest's own clock (real time: mtime follows the host's), not by how
// soon the host notices the prompt.
const FETCH = 'echo T0 $(date +%s.%N); wget -q -O /dev/null http://10.0.0.2/f; echo T1 $(date +%s.%N)';
function guestMs(out) {
  const t0 = /T0 (\d+\.\d+)/.exec(out);
  const t1 = /T1 (\d+\.\d+)/.exec(out);
  if (!t0 || !t1) throw new Error(`no guest timestamps in:\n${out}`);
  return (Number(t1[1]) - Number(t0[1])) * 1000;
}

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};

async function measure(label, a, b) {
  await ready(a, b);
  await sh(a, 'ping -c 3 10.0.0.2'); // warm: ARP, caches
  // The guests' instructions while idle (timer ticks, HZ=100), to leave out of the pings' count.
  const idle0 = a.instructions?.() + b.instructions?.();
  const tIdle = performance.now();
  await new Promise((r) => setTimeout(r, 1000));
  const idlePerMs = (a.instructions?.() + b.instructions?.() - idle0) / (performance.now() - tIdle);
  const i0 = a.instructions?.() + b.instructions?.();
  const { out, ms } = await sh(a, `ping -c ${PINGS} -i 0.02 10.0.0.2`, 120_000);
  const i1 = a.instructions?.() + b.instructions?.();
  const rtts = [...out.matchAll(/time=([\d.]+) ms/g)].map((m) => Number(m[1]));
  const lost = PINGS - rtts.length;
  // Where the time goes: the guests' own instructions per round trip (both kernels, the ping
  // process, the idle loop between pings) at the interpreter's speed.
  const perPing = Number.isFinite(i1 - i0) ? ` ~${((i1 - i0 - idlePerMs * ms) / PINGS / 1000).toFixed(0)} k guest instructions per round trip (both guests, idle ticks left out);` : '';
  await sh(b, 'mkdir -p /tmp/www && dd if=/dev/urandom of=/tmp/www/f bs=1024 count=4096 2>/dev/null && httpd -p 80 -h /tmp/www');
  await sh(a, 'wget -q -O /dev/null http://10.0.0.2/f', 300_000); // warm
  const runs = [];
  const w0 = a.instructions?.() + b.instructions?.();
  for (let i = 0; i < 3; i++) runs.push(guestMs((await sh(a, FETCH, 300_000)).out));
  const w1 = a.instructions?.() + b.instructions?.();
  const best = Math.min(...runs);
  // Where the time goes: guest instructions per transfer (both kernels, httpd, wget) and the rate
  // they ran at, against the wall time.
  const perFetch = (w1 - w0) / 3;
  const where = Number.isFinite(perFetch) ? `; ${(perFetch / 1e6).toFixed(1)} M guest instructions per fetch (${(perFetch / (4 * 1024 * 1024)).toFixed(1)} per byte), ${(perFetch / (runs.reduce((x, y) => x + y, 0) / 3) / 1000).toFixed(0)} MIPS during it` : '';
  console.log(
    `${label.padEnd(34)} ping RTT median ${pct(rtts, 0.5).toFixed(3)} ms, p99 ${pct(rtts, 0.99).toFixed(3)} ms (${rtts.length} pings${lost ? `, ${lost} lost` : ''});${perPing} ` +
      `wget 4 MiB: ${((4 * 1024 * 1024) / 1e6 / (best / 1000)).toFixed(2)} MB/s (best of 3: ${best.toFixed(0)} ms, all ${runs.map((r) => r.toFixed(0)).join('/')} ms)${where}`,
  );
}

const PAGE_ONLY = args.includes('--page-only');
if (!PAGE_ONLY) {
  const net = await launchNetwork([linux('a'), linux('b')]);
  await measure('one host CPU (one scheduler):', local(net.guest('a')), local(net.guest('b')));
  await net.close();
}
if (!PAGE_ONLY) {
  const net = await launchNetwork([linux('a'), linux('b', 1)]);
  await measure('two core instances, one thread:', local(net.guest('a')), local(net.guest('b')));
  await net.close();
}
if (!PAGE_ONLY) {
  // b in a worker thread; the switch and a in this one.
  const net = await launchNetwork([linux('a')]);
  const { port1, port2 } = new MessageChannel();
  net.switch.addPort(new ChannelPort(port1), { name: 'b', segment: 'lan' });
  const worker = new Worker(new URL('./network-worker.mjs', import.meta.url), { workerData: { image, mac: '02:00:00:00:00:02', port: port2 }, transferList: [port2] });
  let text = '';
  worker.on('message', (m) => {
    if (m.out !== undefined) text += m.out;
  });
  const b = { type: (s) => worker.postMessage({ type: s }), text: () => text };
  await measure('two threads (worker_threads):', local(net.guest('a')), b);
  worker.postMessage({ exit: true });
  await net.close();
}

// The page: two Linux tabs on two workers, the switch on the page's thread (Chromium).
if (!existsSync(`${root}dist-web/index.html`)) {
  console.log('the page: dist-web/ missing (npm run build:web); not measured');
  process.exit(0);
}
const { server, browser } = await servePage(4176);
try {
  const page = await browser.newPage();
  await page.goto(`${server.resolvedUrls.local[0]}?launch=linux,linux&net=lan&workers=${process.env.PAGE_WORKERS ?? 2}`);
  await page.evaluate(() => window.minivisor.ready);
  const r = await page.evaluate(async ([pings, fetch]) => {
    const mv = window.minivisor;
    let ids = [];
    while (ids.length < 2) {
      ids = mv.guests().map((g) => g.id);
      await new Promise((r) => setTimeout(r, 20));
    }
    const [a, b] = ids;
    for (const id of ids) while (!mv.text(id).includes('root@minivisor:/# ')) await new Promise((r) => setTimeout(r, 20));
    // Polled rarely: reading a console's text walks xterm's buffer on the page's thread, which
    // is also where the switch runs.
    const run = async (id, cmd, tag) => {
      await mv.type(id, `${cmd}; echo "${tag}:$?"\r`);
      while (!new RegExp(`${tag}:\\d`).test(mv.text(id))) await new Promise((r) => setTimeout(r, 250));
      return mv.text(id);
    };
    await run(a, 'stty cols 250; ping -c 3 10.0.0.2 >/dev/null', '@@w');
    await run(a, `ping -c ${pings} -i 0.02 10.0.0.2`, '@@p');
    const rtts = [...mv.text(a).matchAll(/time=([\d.]+) ms/g)].map((m) => Number(m[1])).slice(-pings);
    await run(b, 'mkdir -p /tmp/www && dd if=/dev/urandom of=/tmp/www/f bs=1024 count=4096 2>/dev/null && httpd -p 80 -h /tmp/www', '@@h');
    await run(a, 'wget -q -O /dev/null http://10.0.0.2/f', '@@g0');
    const runs = [];
    for (let i = 1; i <= 3; i++) {
      const text = await run(a, fetch, `@@g${i}`);
      const t0 = [...text.matchAll(/T0 (\d+\.\d+)/g)].pop();
      const t1 = [...text.matchAll(/T1 (\d+\.\d+)/g)].pop();
      runs.push((Number(t1[1]) - Number(t0[1])) * 1000);
    }
    return { rtts, runs, workers: new Set(mv.guests().map((g) => g.worker)).size };
  }, [PINGS, FETCH]);
  const best = Math.min(...r.runs);
  console.log(
    `${`the page, ${r.workers} workers (Chromium):`.padEnd(34)} ping RTT median ${pct(r.rtts, 0.5).toFixed(3)} ms, p99 ${pct(r.rtts, 0.99).toFixed(3)} ms (${r.rtts.length} pings); ` +
      `wget 4 MiB: ${((4 * 1024 * 1024) / 1e6 / (best / 1000)).toFixed(2)} MB/s (best of 3: ${best.toFixed(0)} ms, all ${r.runs.map((x) => x.toFixed(0)).join('/')} ms)`,
  );
} finally {
  await browser.close();
  await server.close();
}
process.exit(0);
