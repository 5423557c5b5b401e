/**
 * A guest's console: an xterm.js terminal. Keys and pastes go to the guest. Output is queued and
 * handed to xterm a frame at a time by the {@link OutputPump}; each piece is acknowledged in
 * xterm's write callback, once parsed, so a guest that floods its console is held back by the
 * worker instead of freezing the page.
 *
 * The terminal follows its box: a ResizeObserver refits it whenever the box changes (window
 * resize, the error banner, a side panel folding, its tab being shown again). It follows the
 * output too: it stays at the bottom unless the learner scrolls back (wheel, scrollbar, keys),
 * whatever a resize or a hidden spell did to xterm's viewport.
 */
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import '@xterm/xterm/css/xterm.css';
import { OutputPump, SMALL_BYTES, type PumpTarget } from './output-pump.js';

export interface ConsoleHandlers {
  readonly onInput: (bytes: Uint8Array) => void;
  readonly onAck: (bytes: number) => void;
}

const encoder = new TextEncoder();
/** One pump for every console: they share the per-frame budget. */
export const pump = new OutputPump();
/** Output this small, arriving at an idle console, is written at once (a key's echo). */
const DIRECT_BYTES = SMALL_BYTES;
/** Bytes handed to xterm and not yet parsed, per console: more waits in our queue. */
const MAX_IN_FLIGHT = 64 * 1024;

export class ConsoleView implements PumpTarget {
  readonly term: Terminal;
  private readonly fitAddon = new FitAddon();
  private readonly resizeObserver: ResizeObserver;
  private disposed = false;
  private fitFrame: number | undefined;
  private readonly queue: Uint8Array[] = [];
  /** bytes in `queue` */
  queued = 0;
  /** bytes handed to xterm, not yet parsed */
  private inFlight = 0;
  /** the largest single write handed to xterm, and all bytes written (for tests and the bench) */
  maxWrite = 0;
  written = 0;
  /** keep the latest output in view: false only while the learner has scrolled back */
  private stick = true;

  constructor(
    readonly element: HTMLElement,
    private readonly handlers: ConsoleHandlers,
  ) {
    this.term = new Terminal({
      convertEol: true, // guests print bare \n
      scrollback: 5000,
      cursorBlink: true,
      fontFamily: '"JetBrains Mono", "Fira Code", "DejaVu Sans Mono", ui-monospace, Menlo, Consolas, monospace',
      fontSize: 13,
      lineHeight: 1.15,
      theme: {
        background: '#0b0f14',
        foreground: '#d5dde8',
        cursor: '#7ee0b8',
        selectionBackground: '#2b3a4d',
      },
    });
    this.term.loadAddon(this.fitAddon);
    this.term.open(element);
    skipEmptySelectionRedraws(this.term);
    this.term.onData((data) => {
      this.stick = true; // xterm scrolls to the bottom on input
      handlers.onInput(encoder.encode(data));
    });
    // Only the learner decides to leave the bottom: after their own scrolling, look where it ended.
    const looked = () => requestAnimationFrame(() => (this.stick = this.following));
    for (const type of ['wheel', 'pointerup', 'keyup', 'touchend'] as const) element.addEventListener(type, looked, { passive: true });
    this.term.onWriteParsed(() => this.keepFollowing());
    this.term.onBinary((data) => handlers.onInput(Uint8Array.from(data, (c) => c.charCodeAt(0) & 0xff)));
    this.resizeObserver = new ResizeObserver(() => this.fitSoon());
    this.resizeObserver.observe(element);
  }

  /** Queues guest output; it reaches xterm on the next frame (or at once if small and nothing waits). */
  write(bytes: Uint8Array): void {
    if (this.disposed || bytes.length === 0) return;
    if (this.queued === 0 && this.inFlight === 0 && bytes.length <= DIRECT_BYTES) {
      this.hand(bytes);
      return;
    }
    this.queue.push(bytes);
    this.queued += bytes.length;
    pump.request(this);
  }

  /** The pump's call: hands xterm up to `max` queued bytes. */
  pump(max: number): number {
    const n = Math.min(max, this.queued, MAX_IN_FLIGHT - this.inFlight);
    if (n <= 0 || this.disposed) return 0;
    let chunk: Uint8Array;
    const head = this.queue[0]!;
    if (head.length >= n) {
      // xterm keeps its UTF-8 and escape-sequence state across writes: any cut is fine.
      chunk = head.subarray(0, n);
      if (head.length === n) this.queue.shift();
      else this.queue[0] = head.subarray(n);
    } else {
      chunk = new Uint8Array(n);
      let at = 0;
      while (at < n) {
        const h = this.queue[0]!;
        const take = Math.min(h.length, n - at);
        chunk.set(h.subarray(0, take), at);
        at += take;
        if (take === h.length) this.queue.shift();
        else this.queue[0] = h.subarray(take);
      }
    }
    this.queued -= n;
    this.hand(chunk);
    return n;
  }

  private hand(chunk: Uint8Array): void {
    const n = chunk.length;
    this.inFlight += n;
    if (n > this.maxWrite) this.maxWrite = n;
    this.term.write(chunk, () => {
      this.inFlight -= n;
      this.written += n;
      if (!this.disposed) this.handlers.onAck(n);
    });
  }

  /**
   * Drops the output not yet written (it belongs to a run that is over: reset, relaunch) and
   * acknowledges it, then writes a line from the page itself (dimmed), e.g. "reset".
   */
  restart(text: string): void {
    const dropped = this.queued;
    this.queue.length = 0;
    this.queued = 0;
    pump.forget(this);
    if (dropped > 0) this.handlers.onAck(dropped);
    this.note(text);
  }

  /** A line from the page itself (dimmed); it goes straight to xterm, ahead of queued output. */
  note(text: string): void {
    this.term.write(`\r\n\x1b[2m── ${text} ──\x1b[0m\r\n`);
  }

  private fitSoon(): void {
    if (this.fitFrame !== undefined || this.disposed) return;
    this.fitFrame = requestAnimationFrame(() => {
      this.fitFrame = undefined;
      this.fit();
    });
  }

  /** Resizes the terminal to its box, keeping the latest output in view; a hidden console (zero size) is left alone. */
  fit(): void {
    if (this.disposed || this.element.offsetWidth === 0 || this.element.offsetHeight === 0) return;
    const dims = this.fitAddon.proposeDimensions();
    if (!dims || !Number.isFinite(dims.cols) || !Number.isFinite(dims.rows)) return;
    if (dims.cols === this.term.cols && dims.rows === this.term.rows) {
      this.keepFollowing(); // shown again after a hidden spell: xterm's viewport may have moved
      return;
    }
    this.term.resize(Math.max(2, dims.cols), Math.max(1, dims.rows));
    this.keepFollowing();
  }

  private keepFollowing(): void {
    if (this.stick && !this.following) this.term.scrollToBottom();
  }

  /** Whether the console shows the latest output (not scrolled back). */
  get following(): boolean {
    const buf = this.term.buffer.active;
    return buf.viewportY >= buf.baseY;
  }

  focus(): void {
    this.term.focus();
  }

  /** The console's text from xterm's buffer (scrollback included), wrapped lines joined. */
  text(): string {
    const buf = this.term.buffer.active;
    const lines: string[] = [];
    for (let i = 0; i < buf.length; i++) {
      const line = buf.getLine(i);
      if (!line) continue;
      const s = line.translateToString(true);
      if (line.isWrapped && lines.length > 0) lines[lines.length - 1] += s;
      else lines.push(s);
    }
    return lines.join('\n').replace(/\n+$/, '');
  }

  dispose(): void {
    this.disposed = true;
    this.resizeObserver.disconnect();
    if (this.fitFrame !== undefined) cancelAnimationFrame(this.fitFrame);
    pump.forget(this);
    this.term.dispose();
  }
}

/**
 * xterm 6 asks its selection layer to redraw after every scroll, and the DOM renderer answers by
 * re-rendering every row, selection or not, even while the terminal is hidden (its own refresh
 * is paused then, this path is not). For a flooding console that is a second full render per
 * frame, and in a hidden tab each glyph is re-measured in a box of width 0 (nothing caches):
 * most of the page's time under a flood. With no selection before or after there is nothing to
 * redraw (the rows themselves are refreshed by the normal path), so the call is skipped.
 * Private API: if xterm's shape differs, nothing is changed.
 */
function skipEmptySelectionRedraws(term: Terminal): void {
  type Range = [number, number] | undefined;
  type RenderService = { handleSelectionChanged?: (start: Range, end: Range, columnSelectMode: boolean) => void };
  const rs = (term as unknown as { _core?: { _renderService?: RenderService } })._core?._renderService;
  const original = rs?.handleSelectionChanged;
  if (!rs || typeof original !== 'function') return;
  let had = false;
  rs.handleSelectionChanged = (start, end, columnSelectMode) => {
    const has = start !== undefined && end !== undefined;
    if (!has && !had) return;
    had = has;
    original.call(rs, start, end, columnSelectMode);
  };
}
