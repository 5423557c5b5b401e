/**
 * A guest's console: an xterm.js terminal. Keys and pastes go to the guest. Output is queued and
 * handed to xterm a frame at a time by the {@link OutputPump}, in writes of at most WRITE_CHUNK
 * bytes (xterm checks its 12 ms time box between writes, never inside one); each piece is
 * acknowledged in xterm's write callback, once parsed, so a guest that floods its console is
 * held back by the worker instead of freezing the page.
 *
 * A console out of sight (its tab not shown) is not fed a backlog: parsing output nobody sees
 * costs the page as much as parsing it on screen. Small output (a prompt, a key's echo) still
 * goes straight in; a backlog is parked, acknowledged every PARK_ACK_MS (the guest runs on, at a
 * bounded pace), and trimmed to what xterm's scrollback could show anyway: the oldest lines go
 * once more than scrollback + rows lines wait (or more than PARK_MAX_BYTES), and the console
 * says "… N bytes skipped while hidden …" where they were. It catches up when shown again (or
 * when automation reads its text).
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
import { trimPoint } from './trim.js';

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
/** Largest single write into xterm: its parser yields (12 ms time box) only between writes. */
export const WRITE_CHUNK = 8 * 1024;
/** A hidden console's parked backlog is acknowledged (and trimmed) this often. */
export const PARK_ACK_MS = 100;
/** A hidden console keeps at most this many bytes of backlog, whatever their lines. */
export const PARK_MAX_BYTES = 1024 * 1024;

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
  /** on screen (an IntersectionObserver says); a console out of sight parks its backlog */
  private visible = true;
  private readonly intersection: IntersectionObserver | undefined;
  /** bytes at the head of `queue` acknowledged already (accepted while parked) */
  private ackedHead = 0;
  /** bytes dropped from a parked backlog since it was last written (the marker says how many) */
  skipped = 0;
  private parkTimer: ReturnType<typeof setTimeout> | undefined;
  /** hidden, but its backlog goes to xterm anyway until written (automation read its text) */
  private catchUp = false;

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
    const syncScrollbar = coalesceViewportSyncs(this.term);
    // The learner's wheel and scrollbar start from the scrollbar's position: up to date first.
    if (syncScrollbar) for (const type of ['wheel', 'pointerdown', 'touchstart'] as const) element.addEventListener(type, syncScrollbar, { capture: true, passive: true });
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
    if (typeof IntersectionObserver !== 'undefined') {
      this.intersection = new IntersectionObserver((entries) => this.setVisible(entries[entries.length - 1]!.isIntersecting), { threshold: 0 });
      this.intersection.observe(element);
    }
  }

  /** Shown or hidden: a console shown again catches up with what it parked. */
  setVisible(visible: boolean): void {
    if (this.visible === visible) return;
    this.visible = visible;
    if (visible) this.unpark();
    else if (this.parked) this.parkSoon();
  }

  /** Out of sight with a backlog: the pump leaves it alone. */
  get parked(): boolean {
    return !this.visible && !this.catchUp && this.queued > SMALL_BYTES && !this.disposed;
  }

  /** Queues guest output; it reaches xterm on the next frame (or at once if small and nothing waits). */
  write(bytes: Uint8Array): void {
    if (this.disposed || bytes.length === 0) return;
    if (this.queued === 0 && this.inFlight === 0 && bytes.length <= DIRECT_BYTES) {
      this.hand(bytes, bytes.length);
      return;
    }
    this.queue.push(bytes);
    this.queued += bytes.length;
    if (this.parked) this.parkSoon();
    else pump.request(this);
  }

  /** The pump's call: hands xterm up to `max` queued bytes. */
  pump(max: number): number {
    if (this.parked) {
      this.parkSoon();
      return 0;
    }
    const n = Math.min(max, this.queued, MAX_IN_FLIGHT - this.inFlight);
    if (n <= 0 || this.disposed) return 0;
    if (this.skipped > 0) {
      this.note(`… ${this.skipped} bytes skipped while hidden (more than the scrollback holds) …`, false);
      this.skipped = 0;
    }
    const chunk = this.take(n);
    // Bytes acknowledged while parked are not acknowledged again.
    const pre = Math.min(n, this.ackedHead);
    this.ackedHead -= pre;
    // xterm keeps its UTF-8 and escape-sequence state across writes: any cut is fine.
    for (let at = 0; at < n; at += WRITE_CHUNK) {
      const end = Math.min(n, at + WRITE_CHUNK);
      const ack = Math.max(0, end - Math.max(at, pre));
      this.hand(chunk.subarray(at, end), ack);
    }
    return n;
  }

  /** Takes `n` bytes off the head of the queue. */
  private take(n: number): Uint8Array {
    let chunk: Uint8Array;
    const head = this.queue[0]!;
    if (head.length >= n) {
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
    if (this.queued === 0) this.catchUp = false;
    return chunk;
  }

  /** Writes `chunk` into xterm; `ack` of its bytes are acknowledged once parsed. */
  private hand(chunk: Uint8Array, ack: number): void {
    const n = chunk.length;
    this.inFlight += n;
    if (n > this.maxWrite) this.maxWrite = n;
    this.term.write(chunk, () => {
      this.inFlight -= n;
      this.written += n;
      if (!this.disposed && ack > 0) this.handlers.onAck(ack);
    });
  }

  private parkSoon(): void {
    if (this.parkTimer !== undefined || this.disposed) return;
    this.parkTimer = setTimeout(() => {
      this.parkTimer = undefined;
      this.acceptParked();
    }, PARK_ACK_MS);
  }

  /**
   * A hidden console's backlog: acknowledged (the guest may go on), then trimmed to the lines
   * the scrollback could hold (or PARK_MAX_BYTES); shown again, it writes what is left.
   */
  acceptParked(): void {
    if (this.disposed) return;
    if (!this.parked) {
      if (this.queued > 0) pump.request(this);
      return;
    }
    const fresh = this.queued - this.ackedHead;
    this.ackedHead = this.queued;
    if (fresh > 0) this.handlers.onAck(fresh);
    const drop = trimPoint(this.queue, this.queued, this.term.options.scrollback! + this.term.rows, PARK_MAX_BYTES);
    if (drop > 0) {
      this.take(drop);
      this.ackedHead -= drop;
      this.skipped += drop;
    }
  }

  /** Parked output goes to xterm (through the pump), whether the console is seen or not. */
  private unpark(): void {
    if (this.parkTimer !== undefined) clearTimeout(this.parkTimer);
    this.parkTimer = undefined;
    if (this.queued === 0) return;
    if (!this.visible) this.catchUp = true;
    pump.request(this);
  }

  /**
   * Drops the output not yet written (it belongs to a run that is over: reset, relaunch) and
   * acknowledges it, then writes a line from the page itself (dimmed), e.g. "reset".
   */
  restart(text: string): void {
    const dropped = this.queued - this.ackedHead;
    this.queue.length = 0;
    this.queued = 0;
    this.ackedHead = 0;
    this.skipped = 0;
    this.catchUp = false;
    pump.forget(this);
    if (dropped > 0) this.handlers.onAck(dropped);
    this.note(text);
  }

  /** A line from the page itself (dimmed); it goes straight to xterm, ahead of queued output. */
  note(text: string, framed = true): void {
    this.term.write(framed ? `\r\n\x1b[2m── ${text} ──\x1b[0m\r\n` : `\r\n\x1b[2m${text}\x1b[0m\r\n`);
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

  /**
   * The console's text from xterm's buffer (scrollback included), wrapped lines joined. A
   * hidden console's parked output is sent on to xterm: automation that reads a console it
   * does not show sees that output a few frames later.
   */
  text(): string {
    if (this.parked) this.unpark();
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
    this.intersection?.disconnect();
    if (this.parkTimer !== undefined) clearTimeout(this.parkTimer);
    if (this.fitFrame !== undefined) cancelAnimationFrame(this.fitFrame);
    pump.forget(this);
    this.term.dispose();
  }
}

/**
 * xterm 6 syncs its scrollbar (VS Code's scrollable element) with the buffer on every line feed:
 * each new line sets the scroll height and position, which reveals the scrollbar and re-arms its
 * fade-out timer (a clearTimeout and a setTimeout per line). Under a flood that was more than
 * half of xterm's parse time. The rows themselves are drawn once per frame anyway, so the
 * scrollbar is synced once per frame too, just before they are drawn: calls made without an
 * argument (the per-line ones, from the buffer's scroll event) are deferred to xterm's next
 * refresh, once, with the position of that moment; calls with an argument (xterm's own queued
 * syncs) go through at once. A scroll (xterm's scrollLines / scrollToLine, the learner's wheel or
 * scrollbar) starts from the scrollbar's position, so a deferred sync is done first: otherwise
 * the scroll would be computed from where the scrollbar was a few hundred lines ago. Returns
 * that flush. Private API: if xterm's shape differs, nothing is changed.
 */
function coalesceViewportSyncs(term: Terminal): (() => void) | undefined {
  type Viewport = { _sync?: (ydisp?: number) => void; scrollLines?: (disp: number) => void; scrollToLine?: (line: number, disableSmoothScroll?: boolean) => void };
  type RenderService = { addRefreshCallback?: (cb: FrameRequestCallback) => number };
  const core = (term as unknown as { _core?: { _viewport?: Viewport; _renderService?: RenderService } })._core;
  const vp = core?._viewport;
  const rs = core?._renderService;
  const original = vp?._sync;
  if (!vp || typeof original !== 'function' || typeof rs?.addRefreshCallback !== 'function' || typeof vp.scrollLines !== 'function' || typeof vp.scrollToLine !== 'function') return undefined;
  let queued = false;
  const flush = () => {
    if (!queued) return;
    queued = false;
    original.call(vp);
  };
  vp._sync = (...args: [ydisp?: number]) => {
    if (args.length > 0) {
      original.apply(vp, args);
      return;
    }
    if (queued) return;
    queued = true;
    rs.addRefreshCallback!(flush);
  };
  // A scroll starts from the scrollbar's position: bring it up to date first.
  const scrollLines = vp.scrollLines;
  const scrollToLine = vp.scrollToLine;
  vp.scrollLines = (disp) => {
    flush();
    scrollLines.call(vp, disp);
  };
  vp.scrollToLine = (line, disableSmoothScroll) => {
    flush();
    scrollToLine.call(vp, line, disableSmoothScroll);
  };
  return flush;
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
