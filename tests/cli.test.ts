/**
 * The `minivisor` CLI, spawned for real: node bin/minivisor.js (which runs dist/cli/main.js).
 * dist/ is rebuilt first when it is missing or older than src/.
 *
 * The tests under "running guests" need the core (build/minivisor.wasm, `npm run build:core`) and,
 * for hello/echo, the prebuilt guests in guests/bin/. They fail until those exist.
 */
import { spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCommandLine, parseCount, parseSize, UsageError } from '../src/cli/args.js';
import { buildElf, exitWith, printText, programElf, reg, rv } from './helpers/elf-builder.js';

/** A tiny S-mode kernel: SBI DBCN console_write_byte('K'), then SBI SRST shutdown. */
function sbiKernelElf(): Uint8Array {
  return programElf([
    ...rv.li(reg.a7, 0x4442434e), // DBCN
    rv.addi(reg.a6, reg.zero, 2), // console_write_byte
    rv.addi(reg.a0, reg.zero, 0x4b), // 'K'
    rv.ecall(),
    ...rv.li(reg.a7, 0x53525354), // SRST
    rv.addi(reg.a6, reg.zero, 0), // system_reset
    rv.addi(reg.a0, reg.zero, 0), // shutdown
    rv.addi(reg.a1, reg.zero, 0), // no reason
    rv.ecall(),
    rv.spin(),
  ]);
}

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin', 'minivisor.js');
const guestsBin = join(root, 'guests', 'bin');
let tmp = '';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

beforeAll(() => {
  const built = join(root, 'dist', 'cli', 'main.js');
  if (!existsSync(built) || statSync(built).mtimeMs < newestMtime(join(root, 'src'))) {
    execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')], {
      stdio: 'inherit',
    });
  }
  tmp = mkdtempSync(join(tmpdir(), 'minivisor-cli-'));
}, 120_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

function minivisor(args: string[], input?: string, timeoutMs = 30_000): Result {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: root,
    input: input ?? '',
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tempFile(name: string, bytes: Uint8Array): string {
  const p = join(tmp, name);
  writeFileSync(p, bytes);
  return p;
}

function expectUsageFailure(r: Result, message: string): void {
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/^minivisor: /);
  expect(r.stderr).toContain(message);
  expect(r.stderr).toContain("Try 'minivisor --help'.");
  expect(r.stderr).not.toMatch(/^\s+at /m); // no stack trace
  expect(r.stdout).toBe('');
}

describe('argument parsing (unit)', () => {
  it('parses sizes', () => {
    expect(parseSize('64M')).toBe(64 * 2 ** 20);
    expect(parseSize('1G')).toBe(2 ** 30);
    expect(parseSize('4096K')).toBe(4096 * 1024);
    expect(parseSize('1048576')).toBe(2 ** 20);
    expect(parseSize('64MiB')).toBe(64 * 2 ** 20);
    expect(parseSize('64m')).toBe(64 * 2 ** 20);
    expect(parseSize('abc')).toBeUndefined();
    expect(parseSize('')).toBeUndefined();
    expect(parseSize('-1M')).toBeUndefined();
  });

  it('parses counts', () => {
    expect(parseCount('1e9')).toBe(1e9);
    expect(parseCount('2.5e6')).toBe(2_500_000);
    expect(parseCount('1000000')).toBe(1_000_000);
    expect(parseCount('1_000')).toBe(1000);
    expect(parseCount('1.5')).toBeUndefined();
    expect(parseCount('ten')).toBeUndefined();
    expect(parseCount('1e300')).toBeUndefined();
  });

  it('parses a run command', () => {
    const defaults = { kind: 'run', mode: 'bare', stats: false, deterministic: false } as const;
    expect(parseCommandLine(['run', 'g.elf'])).toEqual({ ...defaults, file: 'g.elf', ramBytes: 64 * 2 ** 20 });
    expect(parseCommandLine(['run', 'g.elf', '--ram', '1G', '--max-instructions', '1e9', '--timeout', '2.5'])).toEqual({
      ...defaults,
      file: 'g.elf',
      ramBytes: 2 ** 30,
      maxInstructions: 1e9,
      timeoutSeconds: 2.5,
    });
    expect(parseCommandLine(['run', '--kernel', 'Image', '--append', 'console=hvc0 quiet', '--stats', '--deterministic'])).toEqual({
      kind: 'run',
      mode: 'kernel',
      file: 'Image',
      bootargs: 'console=hvc0 quiet',
      ramBytes: 64 * 2 ** 20,
      stats: true,
      deterministic: true,
    });
    expect(parseCommandLine(['run', '--kernel=vmlinux'])).toMatchObject({ mode: 'kernel', file: 'vmlinux', bootargs: '' });
    expect(parseCommandLine(['run', 'g.elf', '--stats'])).toMatchObject({ mode: 'bare', stats: true });
    expect(parseCommandLine(['--ram=4096K', 'run', 'g.elf'])).toMatchObject({ ramBytes: 4 * 2 ** 20 });
    expect(parseCommandLine(['--help'])).toEqual({ kind: 'help' });
    expect(parseCommandLine(['run', '--help'])).toEqual({ kind: 'help' });
    expect(parseCommandLine(['--version'])).toEqual({ kind: 'version' });
  });

  it('rejects bad command lines with UsageError', () => {
    for (const argv of [[], ['frob'], ['run'], ['run', 'a', 'b'], ['run', 'a', '--kernel', 'k'], ['run', 'a', '--append', 'x'], ['run', '--kernel'], ['run', '--kernel', ''], ['run', 'a', '--ram', '3M5'], ['run', 'a', '--ram', '1M', '--timeout', '0'], ['--nope']]) {
      expect(() => parseCommandLine(argv), argv.join(' ')).toThrow(UsageError);
    }
  });
});

describe('minivisor CLI: usage and errors', () => {
  it('--help prints usage and exits 0', () => {
    const r = minivisor(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Usage: minivisor run <guest.elf>');
    expect(r.stdout).toContain('--max-instructions');
    for (const opt of ['--kernel', '--append', '--stats', '--deterministic']) expect(r.stdout).toContain(opt);
    expect(r.stderr).toBe('');
  });

  it('--version prints the version and exits 0', () => {
    const r = minivisor(['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^minivisor \d+\.\d+\.\d+/);
  });

  it('an unknown flag exits 2 with the hint and no stack trace', () => {
    const r = minivisor(['run', 'x.elf', '--frobnicate']);
    expectUsageFailure(r, "unknown option '--frobnicate'");
    expect(r.stderr).toBe("minivisor: unknown option '--frobnicate'\nTry 'minivisor --help'.\n");
  });

  it('no command exits 2', () => {
    expectUsageFailure(minivisor([]), 'missing command');
  });

  it('a missing guest file exits 2', () => {
    expectUsageFailure(minivisor(['run', 'no-such-guest.elf']), "cannot read 'no-such-guest.elf': no such file");
  });

  it('bad --ram values exit 2, each with its own message', () => {
    expectUsageFailure(minivisor(['run', 'x.elf', '--ram', '0']), '--ram 0: RAM size 0 bytes: must be between 1 MiB and 1 GiB, a multiple of 4 KiB');
    expectUsageFailure(minivisor(['run', 'x.elf', '--ram', '5T']), '--ram 5T: RAM size 5120 GiB');
    expectUsageFailure(minivisor(['run', 'x.elf', '--ram', 'abc']), "--ram 'abc' is not a size; use e.g. 64M, 1G, 4096K or a number of bytes");
    expectUsageFailure(minivisor(['run', 'x.elf', '--ram', '1000K']), 'a multiple of 4 KiB');
    expectUsageFailure(minivisor(['run', 'x.elf', '--ram', '64']), 'did you mean 64M?');
  });

  it('bad --max-instructions and --timeout values exit 2', () => {
    expectUsageFailure(minivisor(['run', 'x.elf', '--max-instructions', 'lots']), "--max-instructions 'lots' is not a positive whole number");
    expectUsageFailure(minivisor(['run', 'x.elf', '--timeout', '-1']), "option '--timeout' needs a value");
    expectUsageFailure(minivisor(['run', 'x.elf', '--timeout', 'soon']), "--timeout 'soon' is not a positive number of seconds");
  });

  it('a file that is not an ELF exits 2 with the loader message', () => {
    const file = tempFile('random.bin', Uint8Array.from({ length: 64 }, (_, i) => (i * 91 + 5) & 0xff));
    expectUsageFailure(minivisor(['run', file]), `${file}: not an ELF file (starts with 05 60 bb 16...`);
  });

  it('an ELF for another machine or class exits 2 with the loader message', () => {
    const x86 = tempFile('x86.elf', buildElf({ machine: 62, segments: [{ paddr: 0x8000_0000, data: [0x13, 0, 0, 0] }] }));
    expectUsageFailure(minivisor(['run', x86]), 'machine is x86-64 (EM 62), expected RISC-V (EM 243)');
    const elf64 = tempFile('64.elf', buildElf({ elfClass: 2 }));
    expectUsageFailure(minivisor(['run', elf64]), 'ELF64 image; minivisor runs 32-bit RISC-V (ELFCLASS32)');
  });

  it('an image that does not fit --ram exits 2 with the loader message', () => {
    const big = tempFile('big.elf', buildElf({ segments: [{ paddr: 0x8000_0000, data: [0x6f, 0, 0, 0], memsz: 3 * 2 ** 20 }] }));
    expectUsageFailure(minivisor(['run', big, '--ram', '2M']), 'segment 0 needs 3 MiB (p_memsz) but the guest has only 2 MiB of RAM');
  });
});

// ---- needs build/minivisor.wasm (and guests/bin/*.elf for hello/echo) -------------------------

describe('minivisor CLI: running guests', () => {
  it('runs hello.elf: prints the greeting and exits 0', () => {
    const r = minivisor(['run', join(guestsBin, 'hello.elf')]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('Hello from minivisor!');
    expect(r.status).toBe(0);
  });

  it('runs echo.elf with piped stdin', () => {
    const r = minivisor(['run', join(guestsBin, 'echo.elf'), '--timeout', '20'], 'hi\nexit\n');
    expect(r.stdout).toContain('echo: hi');
    expect(r.status).toBe(0);
  });

  it('a spinning guest stops at --max-instructions with status 124', () => {
    const spin = tempFile('spin.elf', programElf([rv.spin()]));
    const r = minivisor(['run', spin, '--max-instructions', '1e6']);
    expect(r.status).toBe(124);
    expect(r.stderr).toBe('minivisor: stopped after 1000000 instructions (--max-instructions)\n');
  });

  it('a spinning guest stops at --timeout with status 124', () => {
    const spin = tempFile('spin2.elf', programElf([rv.spin()]));
    const started = Date.now();
    const r = minivisor(['run', spin, '--timeout', '0.5']);
    expect(r.status).toBe(124);
    expect(r.stderr).toBe('minivisor: stopped after 0.5 s (--timeout)\n');
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('prints UART output and exits with the low 8 bits of the guest exit code', () => {
    const elf = tempFile('exit.elf', programElf([...printText('bye\n'), ...exitWith(0x1234)]));
    const r = minivisor(['run', elf, '--ram', '1M']);
    expect(r.stdout).toBe('bye\n');
    expect(r.status).toBe(0x34);
  });

  it('reloads the image on a guest reset, leaving the rest of RAM as it was', () => {
    // Prints "boot", bumps a counter at 0x80100000 (outside the image, so reset keeps it), resets
    // until the counter reaches 3, then exits with code 3.
    const head = [
      ...printText('boot\n'),
      rv.lui(reg.t0, 0x80100),
      rv.lw(reg.t1, reg.t0, 0),
      rv.addi(reg.t1, reg.t1, 1),
      rv.sw(reg.t1, reg.t0, 0),
      rv.addi(reg.t2, reg.zero, 3),
    ];
    const done = exitWith(3);
    const words = [...head, rv.bne(reg.t1, reg.t2, 4 * (done.length + 1)), ...done];
    words.push(rv.lui(reg.t0, 0x100), ...rv.li(reg.t1, 0x7777), rv.sw(reg.t1, reg.t0, 0), rv.spin());
    const elf = tempFile('reset.elf', programElf(words));
    const r = minivisor(['run', elf, '--ram', '2M', '--max-instructions', '1e7']);
    expect(r.stdout).toBe('boot\nboot\nboot\n');
    expect(r.status).toBe(3);
  });

  it('--kernel boots an S-mode ELF that prints through SBI and shuts down (exit 0)', () => {
    const k = tempFile('sbi-kernel.elf', sbiKernelElf());
    const r = minivisor(['run', '--kernel', k, '--ram', '4M', '--append', 'console=hvc0']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('K');
    expect(r.status).toBe(0);
  });

  it('--stats prints the VM-exit table on stderr', () => {
    const k = tempFile('sbi-kernel2.elf', sbiKernelElf());
    const r = minivisor(['run', '--kernel', k, '--stats', '--deterministic']);
    expect(r.stdout).toBe('K');
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^\s*Event\s+Total\s+%Total\s+Rate\/s$/m);
    expect(r.stderr).toMatch(/^sbi:dbcn\.console_write_byte\s+1\s/m);
    expect(r.stderr).toMatch(/^sbi:srst\.system_reset\s+1\s/m);
    expect(r.stderr).toMatch(/^Total\s+\d+\s+100\.0\s/m);
  });

  it('--stats also reports when a limit stops the guest', () => {
    const spin = tempFile('spin3.elf', programElf([...printText('x'), rv.spin()]));
    const r = minivisor(['run', spin, '--stats', '--max-instructions', '1000']);
    expect(r.status).toBe(124);
    expect(r.stderr).toContain('minivisor: stopped after 1000 instructions (--max-instructions)');
    expect(r.stderr).toMatch(/^mmio:uart:write\s+1\s/m);
    expect(r.stderr).toContain('VM exits: ');
  });

  it('--kernel with a garbage or truncated file exits 2 with the message', () => {
    const junk = tempFile('junk.bin', new TextEncoder().encode('this is not a kernel image; it is some text that is long enough.'));
    expectUsageFailure(minivisor(['run', '--kernel', junk]), 'not a RISC-V kernel image');
    const image = new Uint8Array(60);
    image.set([0x52, 0x53, 0x43, 0x05], 0x38);
    const truncated = tempFile('truncated.Image', image);
    expectUsageFailure(minivisor(['run', '--kernel', truncated]), 'RISC-V Linux Image truncated: the file is only 60 bytes');
    const elf = tempFile('trunc-kernel.elf', sbiKernelElf().subarray(0, 30));
    expectUsageFailure(minivisor(['run', '--kernel', elf]), 'ELF header truncated');
    expectUsageFailure(minivisor(['run', '--kernel', join(tmp, 'missing.Image')]), 'no such file');
  });

  it('--kernel with an M-mode program: the stuck guest is reported, exit 1', () => {
    // csrr t0, mstatus is illegal in S-mode; with stvec = 0 the trap handler faults on itself.
    const k = tempFile('mmode.elf', programElf([0x300022f3, rv.spin()]));
    const r = minivisor(['run', '--kernel', k, '--max-instructions', '1e7']);
    expect(r.stderr).toContain('minivisor: the guest is stuck after');
    expect(r.stderr).toContain('instruction_access_fault (cause 1) at 0x00000000');
    expect(r.stderr).toContain('with --kernel the guest starts in S-mode');
    expect(r.status).toBe(1);
  });

  it('--append without --kernel exits 2', () => {
    expectUsageFailure(minivisor(['run', join(guestsBin, 'hello.elf'), '--append', 'x']), '--append needs --kernel');
  });

  it('a guest idling forever with stdin closed is stopped with a message', () => {
    const elf = tempFile('wfi.elf', programElf([rv.wfi(), rv.spin()]));
    const r = minivisor(['run', elf, '--timeout', '5']);
    expect(r.stderr).toContain('the guest waits for an interrupt that cannot come');
    expect(r.status).toBe(1);
  });
});

describe('minivisor init-test', () => {
  it('writes a working node:test file for a guest, from one run of it', async () => {
    const { mkdirSync, rmSync, readFileSync: read } = await import('node:fs');
    const { spawnSync } = await import('node:child_process');
    // Inside the package, so that the test's `import 'minivisor/testing'` resolves to this checkout.
    const dir = 'test-results/init-test';
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const made = spawnSync(process.execPath, ['bin/minivisor.js', 'init-test', 'guests/bin/hello.elf', '--out', `${dir}/hello.test.mjs`], { encoding: 'utf8' });
    expect(made.status).toBe(0);
    expect(made.stdout).toContain('node --test');
    expect(read(`${dir}/hello.test.mjs`, 'utf8')).toContain('await guest.console.waitFor("Hello from minivisor!")');
    const ran = spawnSync(process.execPath, ['--test', `${dir}/hello.test.mjs`], { encoding: 'utf8' });
    expect(ran.stdout).toContain('# pass 1');
    expect(ran.status).toBe(0);
    // It never overwrites a test.
    const again = spawnSync(process.execPath, ['bin/minivisor.js', 'init-test', 'guests/bin/hello.elf', '--out', `${dir}/hello.test.mjs`], { encoding: 'utf8' });
    expect(again.status).toBe(2);
    expect(again.stderr).toContain('already exists');
  });
});
