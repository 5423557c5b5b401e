/**
 * A guest's console: an xterm.js terminal. Keys and pastes go to the guest; output is written
 * with xterm's write callback and acknowledged only once xterm has processed it, so a guest that
 * floods its console is held back by the worker instead of freezing the page.
 */
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import '@xterm/xterm/css/xterm.css';

export interface ConsoleHandlers {
  readonly onInput: (bytes: Uint8Array) => void;
  readonly onAck: (bytes: number) => void;
}

const encoder = new TextEncoder();

export class ConsoleView {
  readonly term: Terminal;
  private readonly fitAddon = new FitAddon();
  private disposed = false;

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
    this.term.onData((data) => handlers.onInput(encoder.encode(data)));
    this.term.onBinary((data) => handlers.onInput(Uint8Array.from(data, (c) => c.charCodeAt(0) & 0xff)));
  }

  write(bytes: Uint8Array): void {
    this.term.write(bytes, () => {
      if (!this.disposed) this.handlers.onAck(bytes.length);
    });
  }

  /** A line from the page itself (dimmed), e.g. "reset". */
  note(text: string): void {
    this.term.write(`\r\n\x1b[2m── ${text} ──\x1b[0m\r\n`);
  }

  /** Resizes the terminal to its box; a hidden panel (zero size) is left alone. */
  fit(): void {
    if (this.element.offsetWidth > 0 && this.element.offsetHeight > 0) this.fitAddon.fit();
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
    this.term.dispose();
  }
}
