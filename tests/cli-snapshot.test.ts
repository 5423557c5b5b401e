// `minivisor snapshot` and `minivisor run file.mvsnap`, spawned for real (node bin/minivisor.js,
// which runs dist/: npm test builds it first).

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { unescape } from '../src/cli/snapshot-command.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin/minivisor.js');
const guests = join(root, 'guests/bin');
const tmp = mkdtempSync(join(tmpdir(), 'minivisor-cli-snapshot-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function minivisor(args: string[], input = ''): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { input, encoding: 'latin1', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('minivisor snapshot / run file.mvsnap', () => {
  it('saves Linux at its prompt; run continues from there with piped input and the guest\'s exit status', () => {
    const file = join(tmp, 'linux.mvsnap');
    const s = minivisor(['snapshot', '--kernel', join(guests, 'linux-rv32imac.Image'), '--until', ':/# ', '-o', file]);
    expect(s.stderr).toMatch(/^minivisor: wrote .*linux\.mvsnap \(.*\) after \d+ instructions/);
    expect(s.status).toBe(0);
    expect(s.stdout).toContain('Linux version 6.1');
    const r = minivisor(['run', file], 'uname -a\npoweroff\n');
    // No boot this time: the first thing on the console is the answer to the typed command.
    expect(r.stdout).not.toContain('Linux version 6.1');
    expect(r.stdout).toMatch(/Linux minivisor 6\.1\.\d+ .* riscv32/);
    expect(r.status).toBe(0);
  });

  it('waits and types in the order given, and the run flags apply to a snapshot', () => {
    const file = join(tmp, 'echo.mvsnap');
    const s = minivisor(['snapshot', join(guests, 'echo.elf'), '--ram', '1M', '--until', '> ', '--type', 'first\\n', '--until', 'echo: first', '-o', file]);
    expect(s.status).toBe(0);
    expect(s.stdout).toContain('echo: first');
    const r = minivisor(['run', file, '--stats', '--deterministic'], 'second\nexit\n');
    expect(r.stdout).not.toContain('echo: first');
    expect(r.stdout).toContain('echo: second');
    expect(r.stderr).toContain('mmio:uart');
    expect(r.status).toBe(0);
  });

  it('refuses bad snapshots with exit 2 and a message that names the problem', () => {
    const good = readFileSync(join(tmp, 'echo.mvsnap'));
    const corrupt = Buffer.from(good);
    corrupt[corrupt.length - 100]! ^= 1;
    writeFileSync(join(tmp, 'corrupt.mvsnap'), corrupt);
    writeFileSync(join(tmp, 'short.mvsnap'), good.subarray(0, good.length - 10));
    const newer = Buffer.from(good);
    newer.writeUInt16LE(9, 8);
    writeFileSync(join(tmp, 'newer.mvsnap'), newer);
    for (const [name, message] of [
      ['corrupt.mvsnap', /SHA-256 does not match/],
      ['short.mvsnap', /truncated/],
      ['newer.mvsnap', /format 9\.0 is newer than this minivisor reads/],
    ] as const) {
      const r = minivisor(['run', join(tmp, name)]);
      expect(r.stderr).toMatch(message);
      expect(r.status).toBe(2);
    }
    const k = minivisor(['run', '--kernel', join(tmp, 'echo.mvsnap')]);
    expect(k.stderr).toContain('is a snapshot: it carries its own boot mode');
    expect(k.status).toBe(2);
  });

  it('usage errors, and a text that never shows: exit 124, no file written', () => {
    expect(minivisor(['snapshot', join(guests, 'echo.elf'), '--until', '> ']).status).toBe(2);
    expect(minivisor(['snapshot', join(guests, 'echo.elf'), '-o', join(tmp, 'x.mvsnap')]).stderr).toContain('give --until TEXT');
    const out = join(tmp, 'never.mvsnap');
    const r = minivisor(['snapshot', join(guests, 'spinner.elf'), '--ram', '1M', '--until', 'never printed', '--timeout', '1', '-o', out]);
    expect(r.stderr).toContain('no snapshot written: the console did not show "never printed" within 1 s');
    expect(r.status).toBe(124);
    expect(existsSync(out)).toBe(false);
    const h = minivisor(['run', join(guests, 'hello.elf'), '--ram', '1M']);
    expect(h.status).toBe(0);
    const again = minivisor(['snapshot', join(tmp, 'echo.mvsnap'), '--until', 'x', '-o', join(tmp, 'y.mvsnap')]);
    expect(again.stderr).toContain('is already a snapshot');
    expect(again.status).toBe(2);
  });

  it('unescapes \\n, \\r, \\t, \\\\ and \\xHH in --type and --until', () => {
    expect(unescape('a\\nb\\r\\t\\\\\\x41')).toBe('a\nb\r\t\\A');
  });
});
