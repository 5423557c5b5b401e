import type { MigrationFigures, PageGuest } from '../model.js';
import { h } from '../ui/dom.js';
import type { Lab, LabContext } from './types.js';

/**
 * Enough output that the guest is still printing when the migration ends: the page's
 * backpressure holds it to the terminal's speed once 128 KiB are unread, and 8000 lines are
 * 480 KB (3000 were done in ~0.4 s, about as long as a migration takes on a busy machine).
 */
const LINES = 8000;
/** minios's bench line: "bench   17/8000: the quick brown fox ..." */
const LINE = new RegExp(`bench\\s+(\\d+)/${LINES}:`, 'g');
const REPORT = /printed (\d+) bytes/;

/** What the lab measured, kept in ctx.data. */
interface Moved {
  readonly figures: MigrationFigures;
  /** the bench had not reported yet when the guest resumed on the destination: it moved mid-print */
  readonly midPrint: boolean;
}
interface Count {
  readonly missing: number[];
  readonly doubled: number[];
  readonly inOrder: boolean;
  readonly seen: number;
}

const moved = (c: LabContext) => c.data.moved as Moved | undefined;
const count = (c: LabContext) => c.data.count as Count | undefined;
/** everything the tab received from the guest since bench started (xterm's scrollback could not hold it all in a narrow console) */
const stream = (c: LabContext) => (c.data.stream as string | undefined) ?? '';
const restored = (c: LabContext): PageGuest | undefined => c.model.guests.get(c.data.restored as number);

function textOf(c: LabContext, g: PageGuest | undefined): string {
  return g ? (c.app.panels.get(g.id)?.console.text() ?? '') : '';
}

async function until(test: () => boolean, ms: number, what: string): Promise<void> {
  for (const end = Date.now() + ms; !test(); ) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every line 1..LINES once and in order? */
function countLines(text: string): Count {
  const seen = [...text.matchAll(LINE)].map((m) => Number(m[1]));
  const counts = new Map<number, number>();
  for (const k of seen) counts.set(k, (counts.get(k) ?? 0) + 1);
  const missing: number[] = [];
  const doubled: number[] = [];
  for (let k = 1; k <= LINES; k++) {
    const n = counts.get(k) ?? 0;
    if (n === 0) missing.push(k);
    if (n > 1) doubled.push(k);
  }
  return { missing, doubled, inOrder: seen.every((k, i) => i === 0 || k > seen[i - 1]!), seen: seen.length };
}

function figuresView(f: MigrationFigures, midPrint: boolean): Node {
  const ms = (n: number | undefined) => (n === undefined ? '?' : n < 10 ? n.toFixed(2) : n.toFixed(0));
  return h(
    'div',
    { class: 'lab-chart', testid: 'migration-lab-figures', 'data-downtime': String(f.downtimeMs ?? '') },
    h('div', { class: 'lab-chart-title' }, `host CPU ${f.from} → host CPU ${f.to}: ${f.rounds.length} rounds, ${f.pages.toLocaleString('en')} pages (${(f.bytes / 1048576).toFixed(1)} MiB) in ${ms(f.totalMs)} ms`),
    h('div', { class: 'lab-chart-title' }, `downtime (stopped on one, not yet running on the other): ${ms(f.downtimeMs)} ms`),
    h('div', { class: 'muted' }, f.rounds.map((r) => `${r.final ? 'stop-and-copy' : `round ${r.round}`}: ${r.pages} pages`).join(' · ')),
    midPrint ? '' : h('div', { class: 'mp-fault' }, 'bench had already finished when the guest resumed: run the step again (bench is the printing to catch)'),
  );
}

export const migration: Lab = {
  name: 'migration',
  title: 'Live migration: a running guest moves to another host CPU',
  technique: 'live migration (pre-copy), snapshots',
  aims:
    'A VM\'s whole state is a value: its CPU, devices and RAM. Live migration copies it to another host while it keeps running (pre-copy: all pages, then the pages it dirtied meanwhile, round after round), then stops it for a moment to copy the rest and resumes it there. Here the two host CPUs are two Web Workers: minios prints numbered lines while it moves, and we check that no line is lost or printed twice.',
  params: { workers: '2' },
  steps: [
    {
      title: 'Boot minios',
      text: 'One minios on one of the two host CPUs. Its tab shows which (hover the tab, or the host view).',
      action: { label: 'Launch minios', run: async (c) => void (await c.launch('minios', 'minios')) },
      check: { label: 'minios is at its prompt', test: (c) => c.text('minios').includes('minios$') },
    },
    {
      title: `Print ${LINES} numbered lines, and migrate while it prints`,
      text: `Runs "bench ${LINES}", and as soon as the first lines appear moves minios to the other host CPU, live: the bar under its toolbar shows each copy round, its pages, and the downtime.`,
      action: {
        label: 'bench, then migrate mid-print',
        run: async (c) => {
          const g = c.guest('minios')!;
          c.app.select(String(g.id));
          // the output as it reaches the tab, from the source and then from the destination
          const decoder = new TextDecoder();
          c.data.stream = '';
          const off = c.model.on('output', ({ guest, bytes }) => {
            if (guest.id !== g.id) return;
            c.data.stream = stream(c) + decoder.decode(bytes, { stream: true });
            if (REPORT.test(stream(c))) off();
          });
          await c.type('minios', `bench ${LINES}\r`);
          await until(() => new RegExp(LINE.source).test(stream(c)), 20_000, 'the first bench lines');
          const to = c.model.workers.find((w) => w.index !== g.cpu && !w.crashed)?.index;
          if (to === undefined) throw new Error('this lab needs two host CPUs (open it with ?workers=2)');
          const figures = await c.controller.migrate(g.id, to);
          c.data.moved = { figures, midPrint: !REPORT.test(stream(c)) } satisfies Moved;
        },
      },
      look: (c) => document.querySelector(`[data-testid="migration-${c.guest('minios')?.id}"]`),
      check: {
        label: 'it moved to the other host CPU while it was printing',
        test: (c) => {
          const m = moved(c);
          return !!m && m.figures.phase === 'done' && c.guest('minios')?.cpu === m.figures.to && m.midPrint && m.figures.downtimeMs !== undefined;
        },
      },
      render: (c) => {
        const m = moved(c);
        return m ? figuresView(m.figures, m.midPrint) : undefined;
      },
    },
    {
      title: 'No line lost, none printed twice',
      text: `Waits for bench's report, then counts the numbered lines the tab received: each of 1..${LINES} must be there exactly once, in order. Output the source printed before the stop reaches the tab before anything the destination prints.`,
      action: {
        label: 'Count the lines',
        run: async (c) => {
          await until(() => REPORT.test(stream(c)), 60_000, 'bench\'s report');
          c.data.count = countLines(stream(c));
        },
      },
      check: {
        label: `all ${LINES} lines, each once, in order`,
        test: (c) => {
          const n = count(c);
          return !!n && n.missing.length === 0 && n.doubled.length === 0 && n.inOrder && n.seen === LINES;
        },
      },
      render: (c) => {
        const n = count(c);
        if (!n) return undefined;
        const m = moved(c);
        return h(
          'div',
          { class: 'lab-chart', testid: 'migration-lab-count' },
          h('div', { class: 'lab-chart-title' }, `${n.seen} lines seen; missing ${n.missing.length ? n.missing.slice(0, 10).join(', ') : 'none'}; twice ${n.doubled.length ? n.doubled.slice(0, 10).join(', ') : 'none'}; ${n.inOrder ? 'in order' : 'OUT OF ORDER'}`),
          m ? h('div', { class: 'muted' }, `The guest was stopped for ${m.figures.downtimeMs?.toFixed(2)} ms of a ${m.figures.totalMs.toFixed(0)} ms migration.`) : '',
        );
      },
    },
    {
      title: 'A snapshot is the same value, kept',
      text: 'Save takes the same state as a .mvsnap file (here kept in the page), and restoring it starts a second minios, in a new tab, from that moment, with its shell and its processes as they were. The two are independent from then on.',
      action: {
        label: 'Save, and restore in a new tab',
        run: async (c) => {
          const g = c.guest('minios')!;
          const bytes = await c.controller.save(g.id);
          const copy = await c.controller.restore(bytes, 'minios (restored)');
          c.data.restored = copy.id;
          c.data.snapshotBytes = bytes.length;
          c.app.select(String(copy.id));
          // let it take its first turns before typing
          await new Promise((r) => setTimeout(r, 300));
          await c.controller.input(copy.id, new TextEncoder().encode('uptime\r'));
        },
      },
      check: {
        label: 'the restored minios answers, and the original runs on',
        test: (c) => {
          const r = restored(c);
          return !!r && r.state !== 'crashed' && /up \d+\.\d{3} s/.test(textOf(c, r).split('uptime').pop() ?? '') && c.guest('minios')?.state !== 'crashed';
        },
      },
      render: (c) => {
        const n = c.data.snapshotBytes as number | undefined;
        return n === undefined ? undefined : h('div', { class: 'muted' }, `The snapshot: ${(n / 1024).toFixed(0)} KiB compressed, for a guest of ${((c.guest('minios')?.info.ramBytes ?? 0) / 1048576).toFixed(0)} MiB of RAM (zero pages take no room).`);
      },
    },
  ],
  questions: [
    'Why does pre-copy need several rounds? What would a guest that writes its whole memory faster than the link copies it do to the rounds?',
    'What is in the final stop-and-copy besides the last dirty pages? Why is the downtime so much shorter than the whole migration?',
    'Where could a line be lost or printed twice in a naive migration? (output still in the source\'s buffers; the same output sent by both)',
    'What makes this a hosted hypervisor\'s migration rather than a datacentre\'s? (one page, two workers: the "network" is a MessageChannel)',
  ],
};
