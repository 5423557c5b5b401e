/**
 * The first flood after the page loads used to stutter, later ones did not: V8 had not yet
 * optimized xterm's parser and DOM renderer, nor this page's console path (pump, queue,
 * acknowledgements), and compiled them on background threads the moment they ran hot. On a
 * 2-core machine those compiler threads, the busy worker and the main thread then shared the two
 * cores, and the flood's first frames became 50-80 ms tasks (`bench/page-responsiveness.mjs`,
 * "in the flood's first second"; a page flooded five times in a row had them only the first time).
 *
 * So the page runs that path once while it is idle after start: a console with the guests'
 * options, laid out like theirs but invisible and behind the page, is fed a burst of lines in
 * bulk-sized pieces, through the same OutputPump, until it has drawn WARM_FRAMES frames, and is
 * then disposed. It costs the main thread a few hundred milliseconds once, at a moment when
 * nothing waits for it, instead of in the middle of the learner's first flood. When done it
 * leaves a user-timing measure, `minivisor:console-warmup` (DevTools shows it; tests read it),
 * whose detail says how many frames and lines it drew.
 */
import { ConsoleView } from './console-view.js';

/** Frames the warm-up console must draw: enough runs of the render path for V8 to optimize it. */
const WARM_FRAMES = 60;
/** Output per frame: over the pump's small-output limit, so the bulk path runs as in a flood. */
const BYTES_PER_FRAME = 24 * 1024;
/** Stop after this long whatever the frames drawn (a slow or throttled page). */
const GIVE_UP_MS = 5000;

const encoder = new TextEncoder();

/**
 * Warms the console path once the page is idle and shown (a page opened in a background tab
 * waits until it is shown: it draws no frames before); resolves when done or given up.
 */
export function warmUpConsoles(parent: HTMLElement = document.body): Promise<void> {
  return new Promise((resolve) => {
    const idle = typeof requestIdleCallback === 'function' ? (cb: () => void) => requestIdleCallback(cb, { timeout: 2000 }) : (cb: () => void) => setTimeout(cb, 500);
    const start = () => idle(() => run(parent).then(resolve, resolve));
    if (document.visibilityState !== 'hidden') return start();
    const shown = () => {
      if (document.visibilityState === 'hidden') return;
      document.removeEventListener('visibilitychange', shown);
      start();
    };
    document.addEventListener('visibilitychange', shown);
  });
}

/** The next frame, or a short timeout when the page stops drawing (hidden meanwhile). */
function nextFrame(): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 200);
    requestAnimationFrame(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

async function run(parent: HTMLElement): Promise<void> {
  const box = document.createElement('div');
  box.className = 'console-warmup';
  box.setAttribute('aria-hidden', 'true');
  // In the viewport (xterm and the console stop drawing when out of it), but not seen and not in the way.
  Object.assign(box.style, { position: 'fixed', left: '0', top: '0', width: '800px', height: '480px', opacity: '0', pointerEvents: 'none', zIndex: '-1', contain: 'strict' });
  parent.append(box);
  const view = new ConsoleView(box, { onInput: () => {}, onAck: () => {} });
  view.fit();
  const started = performance.now();
  let line = 0;
  let frames = 0;
  const chunk = (): Uint8Array => {
    let s = '';
    while (s.length < BYTES_PER_FRAME) {
      line++;
      // Plain lines like a flood's, and some coloured ones like a kernel's.
      s += line % 8 === 0 ? `\x1b[32m[ ok ]\x1b[0m warm-up line ${line}\n` : `warm-up: line ${line} of the console's first burst, drawn out of sight\n`;
    }
    return encoder.encode(s);
  };
  try {
    for (let frame = 0; frame < WARM_FRAMES && performance.now() - started < GIVE_UP_MS && document.visibilityState !== 'hidden'; frame++) {
      // Bulk output waits in the console's queue while xterm is behind, as a flood's does.
      if (view.queued < 2 * BYTES_PER_FRAME) view.write(chunk());
      await nextFrame();
      frames++;
    }
  } finally {
    const rows = view.term.rows;
    view.dispose();
    box.remove();
    performance.measure('minivisor:console-warmup', { start: started, detail: { frames, lines: line, rows } });
  }
}
