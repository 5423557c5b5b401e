// Issue 17, item 5: how the CLI reads a guest file (non-regular files, huge files, header
// first) and reads its numeric options. The loaders' cases are in elf.test.ts and
// kernel.test.ts, the scheduler's in hypervisor.test.ts, the CLI end to end in cli.test.ts.

import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GuestFileError, MAX_GUEST_FILE_BYTES, readGuestFile } from '../src/cli/guest-file.js';
import { UsageError, parseCommandLine } from '../src/cli/args.js';
import { programElf, rv } from './helpers/elf-builder.js';

const MiB = 2 ** 20;
let tmp = '';
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'minivisor-robust-'));
});
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** A sparse file of `size` bytes (zeros) that takes no disk space. */
function sparseFile(name: string, size: number, head?: Uint8Array): string {
  const p = join(tmp, name);
  const fd = openSync(p, 'w');
  if (head) writeFileSync(fd, head);
  ftruncateSync(fd, size);
  closeSync(fd);
  return p;
}

describe('reading a guest file', () => {
  it('refuses a character device at once instead of reading it forever', async () => {
    for (const mode of ['bare', 'kernel'] as const) {
      const err = await readGuestFile('/dev/zero', mode).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GuestFileError);
      expect((err as Error).message).toBe("cannot read '/dev/zero': it is a character device, not a regular file; a guest image must be a regular file");
    }
  }, 10_000);

  it('refuses a named pipe with no writer without blocking', async () => {
    const fifo = join(tmp, 'guest.fifo');
    execFileSync('mkfifo', [fifo]);
    const err = await readGuestFile(fifo, 'bare').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GuestFileError);
    expect((err as Error).message).toContain('it is a named pipe (FIFO), not a regular file');
  }, 10_000);

  it('refuses a directory', async () => {
    const err = await readGuestFile(tmp, 'bare').catch((e: unknown) => e);
    expect((err as Error).message).toBe(`cannot read '${tmp}': it is a directory, not a regular file; a guest image must be a regular file`);
  });

  it('refuses a file larger than any guest can use before reading it, and says the limit', async () => {
    const big = sparseFile('big.bin', 2_000_000_000);
    const before = process.resourceUsage().maxRSS;
    const err = await readGuestFile(big, 'bare').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GuestFileError);
    expect((err as Error).message).toContain('(2000000000 bytes), more than any guest can use');
    expect((err as Error).message).toContain('the limit is 1088 MiB (the largest guest RAM, 1 GiB, plus 64 MiB for headers and symbols)');
    expect(MAX_GUEST_FILE_BYTES).toBe(1088 * MiB);
    expect(process.resourceUsage().maxRSS - before).toBeLessThan(200 * 1024); // KiB: nothing big was read
  }, 30_000);

  it('reads the header first: a large file that is not an image is refused without reading the rest', async () => {
    const junk = sparseFile('junk.bin', 1000 * MiB, Uint8Array.of(1, 2, 3, 4, 5));
    const before = process.resourceUsage().maxRSS;
    const bare = await readGuestFile(junk, 'bare').catch((e: unknown) => e);
    expect((bare as Error).message).toBe('not an ELF file (starts with 01 02 03 04...; an ELF file starts with 7f 45 4c 46, "\\x7fELF")');
    const kernel = await readGuestFile(junk, 'kernel').catch((e: unknown) => e);
    expect((kernel as Error).message).toContain('not a RISC-V kernel image: neither an ELF file');
    expect(process.resourceUsage().maxRSS - before).toBeLessThan(200 * 1024); // KiB, far below the file's 1000 MiB
  }, 30_000);

  it('still reads a real image whole', async () => {
    const elf = programElf([rv.spin()]);
    const p = join(tmp, 'ok.elf');
    writeFileSync(p, elf);
    expect(await readGuestFile(p, 'bare')).toEqual(elf);
    expect(await readGuestFile(p, 'kernel')).toEqual(elf);
  });
});

describe('command-line values', () => {
  it('says a negative --ram is invalid rather than missing', () => {
    for (const argv of [['run', 'g.elf', '--ram', '-1'], ['run', 'g.elf', '--ram=-1']]) {
      let err: unknown;
      try {
        parseCommandLine(argv);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(UsageError);
      expect((err as Error).message).toBe('--ram -1: invalid RAM size: it cannot be negative; use e.g. 64M, 1G, 4096K or a number of bytes (1 MiB to 1 GiB)');
    }
    expect(() => parseCommandLine(['run', 'g.elf', '--timeout', '-1'])).toThrow("--timeout '-1' is not a positive number of seconds");
    expect(() => parseCommandLine(['run', 'g.elf', '--max-instructions', '-5'])).toThrow("--max-instructions '-5' is not a positive whole number");
    // A value that is not a number still needs the = form to start with a dash.
    expect(() => parseCommandLine(['run', 'g.elf', '--ram', '--stats'])).toThrow("option '--ram' needs a value");
  });
});
