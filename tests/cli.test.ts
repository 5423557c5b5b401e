/**
 * The `minivisor` CLI, spawned for real: node bin/minivisor.js (which runs dist/cli/main.js).
 * dist/ is rebuilt first when it is missing or older than src/.
 *
 * The tests under "running guests" need the core (build/minivisor.wasm, `npm run build:core`) and,
 * for hello/echo, the prebuilt guests in guests/bin/. They fail until those exist.
 */
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { closeSync, ftruncateSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
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

interface AsyncResult extends Result {
  /** wall-clock milliseconds until the process exited */
  ms: number;
}

/**
 * Spawns the CLI without waiting on it synchronously: stdin stays open unless `closeStdin`, and
 * stdout is not read at all when `readStdout` is false (a reader that stalls), or goes to the
 * file descriptor `stdoutFd`. Rejects if it has not exited after `timeoutMs` (and kills it).
 */
function minivisorAsync(
  args: string[],
  options: { closeStdin?: boolean; readStdout?: boolean; stdoutFd?: number; timeoutMs?: number } = {},
): Promise<AsyncResult> {
  const started = Date.now();
  const child = spawn(process.execPath, [bin, ...args], { cwd: root, stdio: ['pipe', options.stdoutFd ?? 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  if (child.stdout && options.readStdout !== false) child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  if (options.closeStdin) child.stdin!.end();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`minivisor ${args.join(' ')} did not exit within ${options.timeoutMs ?? 20_000} ms; stderr: ${stderr}`));
    }, options.timeoutMs ?? 20_000);
    child.on('exit', (status) => {
      clearTimeout(timer);
      child.stdin!.destroy();
      child.stdout?.destroy();
      resolve({ status, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** csrrw x0, csr, rs */
const csrw = (csr: number, rs: number) => ((csr << 20) | (rs << 15) | (1 << 12) | 0x73) >>> 0;
/** jalr x0, 0(rs) */
const jr = (rs: number) => ((rs << 15) | 0x67) >>> 0;
const MIE = 0x304;
const MTVEC = 0x305;
/** A guest that writes 'x' to its UART forever. */
const floodElf = () => programElf([rv.lui(reg.t0, 0x10000), rv.addi(reg.t1, reg.zero, 0x78), rv.sb(reg.t1, reg.t0, 0), rv.j(-4)]);

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
    const defaults = { kind: 'run', mode: 'bare', stats: false, deterministic: false, jit: true } as const;
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
      jit: true,
    });
    expect(parseCommandLine(['run', 'g.elf', '--jit', 'on'])).toMatchObject({ jit: true });
    expect(parseCommandLine(['run', 'g.elf', '--jit', 'off'])).toMatchObject({ jit: false });
    expect(() => parseCommandLine(['run', 'g.elf', '--jit', 'maybe'])).toThrow(/--jit maybe: say on or off/);
    expect(parseCommandLine(['run', '--kernel=vmlinux'])).toMatchObject({ mode: 'kernel', file: 'vmlinux', bootargs: '' });
    expect(parseCommandLine(['run', 'g.elf', '--stats'])).toMatchObject({ mode: 'bare', stats: true });
    expect(parseCommandLine(['--ram=4096K', 'run', 'g.elf'])).toMatchObject({ ramBytes: 4 * 2 ** 20 });
    expect(parseCommandLine(['--help'])).toEqual({ kind: 'help' });
    expect(parseCommandLine(['run', '--help'])).toEqual({ kind: 'help' });
    expect(parseCommandLine(['--version'])).toEqual({ kind: 'version' });
  });

  it('rejects bad command lines with UsageError', () => {
    // (`run a b` and `run a --kernel k` are several guests side by side: tests/cli-net.test.ts)
    expect(parseCommandLine(['run', 'a', 'b']).kind).toBe('run-network');
    for (const argv of [[], ['frob'], ['run'], ['run', 'a', 'b', '--ram', '1M'], ['run', 'a', '--kernel', 'k', '--append', 'x'], ['run', 'a', '--append', 'x'], ['run', '--kernel'], ['run', '--kernel', ''], ['run', 'a', '--ram', '3M5'], ['run', 'a', '--ram', '1M', '--timeout', '0'], ['--nope']]) {
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
    // A negative value is an invalid value, not a missing one.
    const negative = minivisor(['run', 'x.elf', '--ram', '-1']);
    expectUsageFailure(negative, '--ram -1: invalid RAM size: it cannot be negative');
    expect(negative.stderr).not.toContain('needs a value');
  });

  it('bad --max-instructions and --timeout values exit 2', () => {
    expectUsageFailure(minivisor(['run', 'x.elf', '--max-instructions', 'lots']), "--max-instructions 'lots' is not a positive whole number");
    expectUsageFailure(minivisor(['run', 'x.elf', '--timeout', '-1']), "--timeout '-1' is not a positive number of seconds");
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

  it('--stats prints the JIT\'s line: most of bench runs translated by default, none with --jit off', () => {
    const bench = fileURLToPath(new URL('../guests/bin/bench.elf', import.meta.url));
    const on = minivisor(['run', bench, '--stats'], undefined, 120_000);
    expect(on.status).toBe(0);
    const m = /^jit: (\d+) regions? translated, (\d+) instructions run translated \((\d+\.\d)%\), .* cache \d+ KiB of 16384 KiB$/m.exec(on.stderr);
    expect(m, on.stderr.slice(-400)).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(0);
    expect(Number(m![3])).toBeGreaterThan(50);
    const spin = tempFile('spin4.elf', programElf([rv.spin()]));
    const off = minivisor(['run', spin, '--stats', '--jit', 'off', '--max-instructions', '100000']);
    expect(off.status).toBe(124);
    expect(off.stderr).toContain('jit: off, every instruction interpreted');
    expect(parseCommandLine(['run', '--net', 'lan', 'a.elf', '--net', 'lan', 'b.elf', '--jit', 'off'])).toMatchObject({ kind: 'run-network', jit: false });
    expect(parseCommandLine(['run', '--net', 'lan', 'a.elf', '--net', 'lan', 'b.elf'])).toMatchObject({ kind: 'run-network', jit: true });
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
    // Console input could wake it (MEIE is on), but stdin is closed and no timer is armed.
    const elf = tempFile('wfi.elf', programElf([...rv.li(reg.t0, 1 << 11), csrw(MIE, reg.t0), rv.wfi(), rv.spin()]));
    const r = minivisor(['run', elf, '--timeout', '5']);
    expect(r.stderr).toContain('the guest waits for an interrupt that cannot come');
    expect(r.status).toBe(1);
  });
});

describe('minivisor CLI: robustness (issue 17)', () => {
  it('refuses /dev/zero at once, as a guest and as a kernel, instead of reading it forever', async () => {
    for (const args of [['run', '/dev/zero'], ['run', '--kernel', '/dev/zero']]) {
      const r = await minivisorAsync(args, { closeStdin: true, timeoutMs: 15_000 });
      expectUsageFailure(r, "cannot read '/dev/zero': it is a character device, not a regular file; a guest image must be a regular file");
    }
  });

  it('refuses a named pipe with no writer instead of blocking in silence', async () => {
    const fifo = join(tmp, 'guest.fifo');
    execFileSync('mkfifo', [fifo]);
    const r = await minivisorAsync(['run', fifo], { closeStdin: true, timeoutMs: 15_000 });
    expectUsageFailure(r, `cannot read '${fifo}': it is a named pipe (FIFO), not a regular file`);
  });

  it('refuses a 2 GB file before reading it, and says the limit', async () => {
    const big = join(tmp, 'big.bin');
    const fd = openSync(big, 'w');
    ftruncateSync(fd, 2_000_000_000); // sparse: no disk space
    closeSync(fd);
    const r = await minivisorAsync(['run', big], { closeStdin: true, timeoutMs: 15_000 });
    expectUsageFailure(r, '(2000000000 bytes), more than any guest can use; the limit is 1088 MiB (the largest guest RAM, 1 GiB, plus 64 MiB for headers and symbols)');
    expect(r.ms).toBeLessThan(10_000);
  });

  it('--timeout ends the run even while stdout is stalled (exit 124)', async () => {
    const elf = tempFile('flood.elf', floodElf());
    // Nobody reads stdout: the pipe fills and every write waits, as with `... | sleep 600`.
    const r = await minivisorAsync(['run', elf, '--timeout', '1'], { readStdout: false, closeStdin: true, timeoutMs: 20_000 });
    expect(r.stderr).toBe('minivisor: stopped after 1 s (--timeout)\n');
    expect(r.status).toBe(124);
    expect(r.ms).toBeLessThan(15_000);
  });

  it('a full disk on stdout is a write error with its errno text and exit 1, not success or 141', () => {
    const fd = openSync('/dev/full', 'w');
    try {
      const r = spawnSync(process.execPath, [bin, 'run', join(guestsBin, 'hello.elf')], { cwd: root, stdio: ['pipe', fd, 'pipe'], encoding: 'utf8', timeout: 30_000 });
      expect(r.stderr).toBe("minivisor: write error on stdout: no space left on device (ENOSPC); the guest's output was lost\n");
      expect(r.status).toBe(1);
    } finally {
      closeSync(fd);
    }
  });

  it('a reader that goes away (EPIPE) still ends the run silently with 141', async () => {
    const elf = tempFile('flood2.elf', floodElf());
    const child = spawn(process.execPath, [bin, 'run', elf, '--timeout', '20'], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout.once('data', () => child.stdout.destroy());
    const status = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.stdin.destroy();
    expect(stderr).toBe('');
    expect(status).toBe(141);
  });

  it('a guest asleep in WFI with every interrupt disabled is reported stuck at once, with stdin still open', async () => {
    const elf = tempFile('wfi-masked.elf', programElf([...printText('zz\n'), rv.wfi(), rv.spin()]));
    const r = await minivisorAsync(['run', elf], { timeoutMs: 15_000 }); // stdin is never closed
    expect(r.stdout).toBe('zz\n');
    expect(r.stderr).toMatch(
      /^minivisor: the guest is stuck after \d+ instructions: asleep in WFI \(pc 0x800000[0-9a-f]{2}\) with every interrupt disabled \(mie = 0\): nothing can wake it\n$/,
    );
    expect(r.status).toBe(1);
  });

  it('a trap handler at an unmapped mtvec is named as such, without "(is mtvec set?)"', () => {
    const elf = tempFile('bad-mtvec.elf', programElf([...rv.li(reg.t0, 0x1234_0000), csrw(MTVEC, reg.t0), 0xffff_ffff]));
    const r = minivisor(['run', elf]);
    expect(r.stderr).toMatch(/^minivisor: the guest is stuck after \d+ instructions: /);
    expect(r.stderr.replace(/^.*?instructions: /, '')).toBe(
      'exception instruction_access_fault (cause 1) at 0x12340000, over and over: its trap handler (mtvec = 0x12340000) is not executable memory\n',
    );
    expect(r.status).toBe(1);
  });

  it('a jump to an unmapped address with no trap handler is reported at its target, not at address 0', () => {
    const elf = tempFile('jump.elf', programElf([...rv.li(reg.t0, 0x1234_5678), jr(reg.t0)]));
    const r = minivisor(['run', elf]);
    expect(r.stderr).toMatch(/^minivisor: the guest is stuck after \d+ instructions: /);
    expect(r.stderr.replace(/^.*?instructions: /, '')).toBe(
      'exception instruction_access_fault (cause 1) at 0x12345678, and it has no trap handler (mtvec = 0): ' +
        'the exception sent it to address 0, where it faults again (exception instruction_access_fault (cause 1) at 0x00000000, over and over). ' +
        'Set mtvec to a trap handler\n',
    );
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
