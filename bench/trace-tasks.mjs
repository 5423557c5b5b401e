// What the page's main thread did in its longest tasks, from a trace written by
// `node bench/page-responsiveness.mjs --trace FILE`:
//   - per task: wall and CPU time, the trace events inside it by self time (xterm's render is
//     FireAnimationFrame/FunctionCall + Layout/Paint; comlink's messages are the 'message'
//     events; GC is MinorGC/MajorGC/V8.GC*), and the JS functions the sampling profiler saw
//     most (with their script), so xterm's parser, its renderer, uPlot, comlink... are told apart;
//   - over the whole trace: the same, summed (where the main thread's CPU goes in total).
//
//   node bench/trace-tasks.mjs FILE [--top N]

import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const file = args[0];
if (!file) {
  console.error('usage: node bench/trace-tasks.mjs TRACE.json [--top N]');
  process.exit(2);
}
const TOP = args.includes('--top') ? Number(args[args.indexOf('--top') + 1]) : 8;
const trace = JSON.parse(readFileSync(file, 'utf8'));
const events = trace.traceEvents ?? trace;

const mainKeys = new Set(events.filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
const byThread = new Map();
for (const e of events) {
  const k = `${e.pid}:${e.tid}`;
  if (!mainKeys.has(k)) continue;
  if (!byThread.has(k)) byThread.set(k, []);
  byThread.get(k).push(e);
}
// The page's renderer: the main thread with the most tasks.
const [key, mainEvents] = [...byThread.entries()].sort((a, b) => b[1].filter((e) => e.name === 'ThreadControllerImpl::RunTask').length - a[1].filter((e) => e.name === 'ThreadControllerImpl::RunTask').length)[0];
const [pid, tid] = key.split(':').map(Number);

// Complete events (X), and B/E pairs turned into complete ones.
const complete = [];
const open = [];
for (const e of [...mainEvents].sort((a, b) => a.ts - b.ts)) {
  if (e.ph === 'X') complete.push({ name: e.name, ts: e.ts, dur: e.dur ?? 0, tdur: e.tdur, args: e.args });
  else if (e.ph === 'B') open.push(e);
  else if (e.ph === 'E') {
    for (let i = open.length - 1; i >= 0; i--) {
      if (open[i].name === e.name || e.name === undefined) {
        const b = open.splice(i, 1)[0];
        complete.push({ name: b.name, ts: b.ts, dur: e.ts - b.ts, tdur: e.tts !== undefined && b.tts !== undefined ? e.tts - b.tts : undefined, args: b.args });
        break;
      }
    }
  }
}
complete.sort((a, b) => a.ts - b.ts || b.dur - a.dur);
const tasks = complete.filter((e) => e.name === 'ThreadControllerImpl::RunTask');

// JS samples of the main thread: Profile / ProfileChunk events (any tid of this pid; the chunk's id names the profile).
const profiles = new Map();
for (const e of events) {
  if (e.pid !== pid) continue;
  if (e.name === 'Profile') profiles.set(e.id, { tid: e.tid, start: e.args?.data?.startTime ?? e.ts, nodes: new Map(), samples: [], times: [] });
}
for (const e of events) {
  if (e.pid !== pid || e.name !== 'ProfileChunk') continue;
  const p = profiles.get(e.id);
  if (!p) continue;
  const d = e.args?.data ?? {};
  for (const n of d.cpuProfile?.nodes ?? []) p.nodes.set(n.id, n);
  let t = p.times.length ? p.times[p.times.length - 1] : p.start;
  const deltas = d.timeDeltas ?? [];
  (d.cpuProfile?.samples ?? []).forEach((s, i) => {
    t += deltas[i] ?? 0;
    p.samples.push(s);
    p.times.push(t);
  });
}
// The profile with the most samples inside the main thread's tasks is the main thread's.
const profile = [...profiles.values()].sort((a, b) => b.samples.length - a.samples.length)[0];
const nameOf = (id) => {
  const n = profile.nodes.get(id);
  if (!n) return '?';
  const f = n.callFrame ?? {};
  const script = (f.url ?? '').split('/').pop()?.replace(/-[A-Za-z0-9_-]{8}\.js$/, '.js') ?? '';
  return `${f.functionName || '(anonymous)'}${script ? ` ${script}:${f.lineNumber ?? ''}` : ''}`;
};
/** A sample's "area": the outermost frame of a known library, or the leaf. */
const areaOf = (id) => {
  const chain = [];
  for (let n = profile.nodes.get(id); n; n = n.parent !== undefined ? profile.nodes.get(n.parent) : [...profile.nodes.values()].find((m) => m.children?.includes(n.id))) {
    chain.push(n);
    if (chain.length > 200) break;
  }
  return chain;
};
// parents: ProfileChunk nodes carry `parent`; fill in when only children are given
if (profile) {
  for (const n of profile.nodes.values()) for (const c of n.children ?? []) {
    const child = profile.nodes.get(c);
    if (child && child.parent === undefined) child.parent = n.id;
  }
}

function samplesIn(ts, end) {
  if (!profile) return [];
  const out = [];
  // times are sorted
  let lo = 0, hi = profile.times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (profile.times[mid] < ts) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < profile.times.length && profile.times[i] <= end; i++) out.push(profile.samples[i]);
  return out;
}

function summarize(list, n) {
  return [...list.entries()].sort((a, b) => b[1] - a[1]).slice(0, n);
}

/** Self time per event name inside [ts, ts + dur] (nested events' time goes to the innermost one). */
function selfTimes(ts, end) {
  const inside = complete.filter((e) => e.ts >= ts && e.ts + e.dur <= end && e.name !== 'ThreadControllerImpl::RunTask');
  const self = new Map();
  const stack = [];
  const add = (name, v) => self.set(name, (self.get(name) ?? 0) + v);
  for (const e of inside) {
    while (stack.length && stack[stack.length - 1].ts + stack[stack.length - 1].dur <= e.ts) stack.pop();
    const parent = stack[stack.length - 1];
    add(label(e), e.dur);
    if (parent) add(label(parent), -e.dur);
    stack.push(e);
  }
  return self;
}
const label = (e) => {
  const d = e.args?.data ?? {};
  if (e.name === 'FunctionCall' && d.functionName) return `FunctionCall ${d.functionName}`;
  if (e.name === 'TimerFire') return 'TimerFire';
  if (e.name === 'EventDispatch' && d.type) return `EventDispatch ${d.type}`;
  return e.name;
};

/** JS time by function (self) and by "area" (the script of the outermost non-page frame). */
function jsProfile(ts, end) {
  const bySelf = new Map();
  const byScript = new Map();
  const samples = samplesIn(ts, end);
  for (const s of samples) {
    const leaf = nameOf(s);
    bySelf.set(leaf, (bySelf.get(leaf) ?? 0) + 1);
    // attribute to the deepest frame among a few interesting call sites
    const chain = areaOf(s).map((n) => n.callFrame?.functionName ?? '');
    const area = chain.find((f) => /^(write|_innerWrite|parse|print|_renderRows|refreshRows|_renderRowsImpl|handleSelectionChanged|setData|redraw|commit|_commit|render|renderSummary|onEvents|onStats|pump|run|deserialize|fromWireValue|handleMessage|text|translateToString|keepFollowing|fit|scrollToBottom)$/.test(f));
    const k = area ?? (chain[0] || '(program)');
    byScript.set(k, (byScript.get(k) ?? 0) + 1);
  }
  return { n: samples.length, bySelf, byScript };
}

const interval = profile && profile.times.length > 1 ? (profile.times[profile.times.length - 1] - profile.times[0]) / profile.times.length / 1000 : 0;
const first = tasks[0]?.ts ?? 0;
const last = tasks.length ? tasks[tasks.length - 1].ts + tasks[tasks.length - 1].dur : 0;
const wallMs = (last - first) / 1000;
const cpuMs = tasks.reduce((s, e) => s + (e.tdur ?? 0), 0) / 1000;
console.log(`main thread ${key}: ${tasks.length} tasks over ${wallMs.toFixed(0)} ms, CPU ${cpuMs.toFixed(0)} ms (${((100 * cpuMs) / wallMs).toFixed(0)} %); JS samples every ~${interval.toFixed(2)} ms`);

const show = (title, ts, end) => {
  const self = selfTimes(ts, end);
  console.log(`  events by self time: ${summarize(self, 10).filter(([, v]) => v >= 100).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}`).join(', ')}`);
  const js = jsProfile(ts, end);
  if (js.n) {
    console.log(`  JS samples ${js.n} (~${(js.n * interval).toFixed(1)} ms); by call site: ${summarize(js.byScript, 8).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    console.log(`    hottest functions (self): ${summarize(js.bySelf, 8).map(([k, v]) => `${k} ${v}`).join(' | ')}`);
  }
};

// Tasks by kind: a frame (rAF callbacks, style, layout, paint), a timer (xterm parses its writes
// in setTimeout callbacks), other JS (the workers' messages, input events), the rest.
const kinds = new Map();
let ci = 0;
for (const t of tasks) {
  const end = t.ts + t.dur;
  while (ci < complete.length && complete[ci].ts < t.ts) ci++;
  const names = new Set();
  for (let j = ci; j < complete.length && complete[j].ts <= end; j++) names.add(complete[j].name);
  const kind = names.has('Layout') || names.has('Paint') || names.has('FireAnimationFrame') || names.has('UpdateLayoutTree') ? 'frame' : names.has('TimerFire') ? 'timer' : names.has('FunctionCall') || names.has('EventDispatch') ? 'other JS' : 'other';
  if (!kinds.has(kind)) kinds.set(kind, []);
  kinds.get(kind).push((t.tdur ?? 0) / 1000);
}
const p = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? 0;
for (const [k, xs] of [...kinds].sort((a, b) => b[1].reduce((s, x) => s + x, 0) - a[1].reduce((s, x) => s + x, 0))) {
  console.log(`  ${k.padEnd(9)}: ${String(xs.length).padStart(5)} tasks, CPU ${xs.reduce((s, x) => s + x, 0).toFixed(0).padStart(5)} ms, per task p50 ${p(xs, 0.5).toFixed(1)} p95 ${p(xs, 0.95).toFixed(1)} max ${Math.max(...xs).toFixed(1)} ms`);
}

console.log('\nwhole trace:');
show('all', first, last);
const byCpu = [...tasks].sort((a, b) => (b.tdur ?? 0) - (a.tdur ?? 0)).slice(0, TOP);
const byWall = [...tasks].sort((a, b) => b.dur - a.dur).slice(0, TOP);
console.log(`\nlongest tasks by CPU (ms): ${byCpu.map((t) => `${((t.tdur ?? 0) / 1000).toFixed(1)} (wall ${(t.dur / 1000).toFixed(0)})`).join(', ')}`);
console.log(`longest tasks by wall (ms): ${byWall.map((t) => `${(t.dur / 1000).toFixed(0)} (CPU ${((t.tdur ?? 0) / 1000).toFixed(1)})`).join(', ')}`);
const tasksOver = (ms) => tasks.filter((t) => (t.tdur ?? 0) / 1000 > ms).length;
console.log(`tasks with CPU > 10 ms: ${tasksOver(10)}, > 16 ms: ${tasksOver(16)}, > 30 ms: ${tasksOver(30)}, > 50 ms: ${tasksOver(50)}`);
for (const t of byCpu) {
  console.log(`\ntask at +${((t.ts - first) / 1000).toFixed(0)} ms: wall ${(t.dur / 1000).toFixed(1)} ms, CPU ${((t.tdur ?? 0) / 1000).toFixed(1)} ms`);
  show('task', t.ts, t.ts + t.dur);
}
