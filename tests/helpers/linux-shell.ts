// Typing command lines into a Linux guest's shell from a test, and reading back what each printed.

import { expect } from 'vitest';
import type { TestGuest } from '../../src/testing/index.js';

export interface ShellResult {
  /** what the command printed, CR LF as LF, without the terminal's escape sequences (ls colours, top's clear screen) */
  readonly out: string;
  /** the same with the escape sequences */
  readonly raw: string;
  readonly status: number;
}

/**
 * Commands at a shell whose prompt is `prompt`: `sh` runs one command line and returns what it
 * printed (the echo of the typed line left out) and its exit status; `ok` also expects status 0.
 * A line must be short enough not to wrap in the line editor.
 */
export function shellAt(prompt: RegExp, defaultTimeout: number) {
  async function sh(g: TestGuest, cmd: string, timeout = defaultTimeout): Promise<ShellResult> {
    const from = g.console.text().length;
    g.type(`${cmd}; echo "<<$?>>"\n`);
    const m = await g.console.waitFor(/<<(\d+)>>\r?\n/, { timeout });
    await g.console.waitFor(prompt, { timeout });
    const text = g.console.text().slice(from);
    const echoed = text.indexOf('<<$?>>"');
    const body = text.slice(text.indexOf('\n', echoed) + 1, text.lastIndexOf(`<<${m[1]}>>`)).replace(/\r\n/g, '\n');
    return { out: body.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, ''), raw: body, status: Number(m[1]) };
  }
  async function ok(g: TestGuest, cmd: string, timeout?: number): Promise<string> {
    const r = await sh(g, cmd, timeout);
    expect(r.status, `\`${cmd}\` exited with ${r.status}; it printed:\n${r.out}`).toBe(0);
    return r.out;
  }
  return { sh, ok };
}
