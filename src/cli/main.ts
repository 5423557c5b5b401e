/**
 * `minivisor` command-line entry point (bin/minivisor.js calls main()).
 *
 * Exit statuses:
 *   guest's code  the guest powered off through the SiFive test device: the low 8 bits of its
 *                 16-bit exit code, as QEMU exits for the same write (0x5555 gives 0);
 *   0             Ctrl-A x on a terminal ("minivisor: terminated", like QEMU's "QEMU: Terminated");
 *   124           --max-instructions or --timeout ran out (the status `timeout(1)` uses);
 *   2             bad command line, unreadable guest file, or invalid guest image;
 *   1             the host could not run the guest: core missing, out of host memory, the guest
 *                 idles forever (WFI with no timer armed and stdin closed), the guest is stuck
 *                 (its trap handler faults on itself), or an internal error;
 *   141           stdout was closed by its reader (128 + SIGPIPE, as a shell would report it).
 */
import { readFile } from 'node:fs/promises';
import { Hypervisor, GuestCreateError, checkRamSize } from '../core/hypervisor.js';
import { CoreLoadError } from '../core/wasm.js';
import { ElfError, hex32, parseElf } from '../loader/elf.js';
import { KernelError, parseKernel } from '../loader/kernel.js';
import { EXCEPTION_NAMES, formatExitTable } from '../core/exits.js';
import { HELP_TEXT, UsageError, parseCommandLine, type Command, type RunCommand } from './args.js';
import { runGuest, type RunIo, type RunOutcome } from './run.js';
import { initTest } from './init-test.js';
import { SERVE_HELP_TEXT, ServeError, parseServeArgs, serve } from './serve.js';

export const EXIT_USAGE = 2;
export const EXIT_HOST_ERROR = 1;
export const EXIT_LIMIT = 124;
export const EXIT_OUTPUT_CLOSED = 141;

const HINT = "Try 'minivisor --help'.";

/** A failure reported as "minivisor: <message>" with a given exit status (no stack trace). */
class CliFailure extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly hint = false,
  ) {
    super(message);
  }
}

function defaultIo(): RunIo {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };
}

async function packageVersion(): Promise<string> {
  try {
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

async function readGuestFile(file: string): Promise<Uint8Array> {
  try {
    return await readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file'
      : code === 'EISDIR' ? 'it is a directory'
      : code === 'EACCES' || code === 'EPERM' ? 'permission denied'
      : code === 'ERR_FS_FILE_TOO_LARGE' ? 'the file is too large'
      : (e as Error).message;
    throw new CliFailure(`cannot read '${file}': ${why}`, EXIT_USAGE, true);
  }
}

async function run(cmd: RunCommand, io: RunIo): Promise<number> {
  const problem = checkRamSize(cmd.ramBytes);
  if (problem) throw new CliFailure(problem, EXIT_USAGE, true);
  const bytes = await readGuestFile(cmd.file);
  try {
    // Validate before loading the core, so a bad image is reported the same with or without it.
    if (cmd.mode === 'kernel') parseKernel(bytes, { ramBytes: cmd.ramBytes, bootargs: cmd.bootargs });
    else parseElf(bytes, { ramBytes: cmd.ramBytes, symbols: false });
  } catch (e) {
    if (e instanceof ElfError || e instanceof KernelError) throw new CliFailure(`${cmd.file}: ${e.message}`, EXIT_USAGE, true);
    throw e;
  }

  let hv: Hypervisor;
  try {
    hv = await Hypervisor.create();
  } catch (e) {
    if (e instanceof CoreLoadError) throw new CliFailure(e.message, EXIT_HOST_ERROR);
    throw e;
  }
  let guest;
  try {
    guest = hv.createGuest({ ramBytes: cmd.ramBytes, deterministic: cmd.deterministic });
  } catch (e) {
    if (e instanceof GuestCreateError) throw new CliFailure(e.message, EXIT_HOST_ERROR);
    throw e;
  }
  try {
    if (cmd.mode === 'kernel') guest.bootKernel(bytes, { bootargs: cmd.bootargs });
    else guest.load(bytes);
    const started = performance.now();
    const outcome = await runGuest(guest, cmd, io);
    const seconds = (performance.now() - started) / 1000;
    const status = reportOutcome(outcome, cmd, io);
    if (cmd.stats) {
      io.stderr.write(`\n${formatExitTable(guest.exits(), { instructions: outcome.instructions, seconds })}`);
    }
    return status;
  } finally {
    guest.destroy();
  }
}

function reportOutcome(outcome: RunOutcome, cmd: RunCommand, io: RunIo): number {
  switch (outcome.kind) {
    case 'halted':
      if (outcome.panicked) io.stderr.write('minivisor: the guest kernel panicked (it said so through the pvpanic device); halted\n');
      return outcome.exitCode & 0xff;
    case 'instruction-limit':
      io.stderr.write(`minivisor: stopped after ${outcome.instructions} instructions (--max-instructions)\n`);
      return EXIT_LIMIT;
    case 'timeout':
      io.stderr.write(`minivisor: stopped after ${cmd.timeoutSeconds} s (--timeout)\n`);
      return EXIT_LIMIT;
    case 'terminated':
      io.stderr.write('\r\nminivisor: terminated\n');
      return 0;
    case 'idle-forever':
      io.stderr.write(
        `minivisor: stopped after ${outcome.instructions} instruction${outcome.instructions === 1 ? "" : "s"}: the guest waits for an interrupt that cannot come (no timer armed, stdin closed)\n`,
      );
      return EXIT_HOST_ERROR;
    case 'faulted': {
      const what = outcome.cause === undefined ? 'an exception' : `exception ${EXCEPTION_NAMES[outcome.cause & 0xf] ?? outcome.cause} (cause ${outcome.cause})`;
      const hint =
        cmd.mode === 'kernel'
          ? ' (with --kernel the guest starts in S-mode and must set stvec; a bare-metal M-mode program runs without --kernel)'
          : ' (is mtvec set?)';
      io.stderr.write(
        `minivisor: the guest is stuck after ${outcome.instructions} instructions: ${what} at ${hex32(outcome.pc)}, where its own trap handler is${hint}\n`,
      );
      return EXIT_HOST_ERROR;
    }
    case 'output-closed':
      return EXIT_OUTPUT_CLOSED;
  }
}

/**
 * Runs the CLI with the arguments after `minivisor`; resolves to the process exit status.
 * Never throws for user errors; an unexpected error is reported as an internal error (status 1).
 */
export async function main(argv: readonly string[], io: RunIo = defaultIo()): Promise<number> {
  let cmd: Command;
  try {
    if (argv[0] === 'serve') {
      // `minivisor serve`: the page shipped in the package, on a local HTTP server (serve.ts).
      const serveCmd = parseServeArgs(argv.slice(1));
      if (serveCmd.kind === 'serve-help') {
        io.stdout.write(SERVE_HELP_TEXT);
        return 0;
      }
      return await serve(serveCmd, io).catch((e: unknown) => {
        throw e instanceof ServeError ? new CliFailure(e.message, e.status) : e;
      });
    }
    cmd = parseCommandLine(argv);
    switch (cmd.kind) {
      case 'help':
        io.stdout.write(HELP_TEXT);
        return 0;
      case 'version':
        io.stdout.write(`minivisor ${await packageVersion()}\n`);
        return 0;
      case 'run':
        return await run(cmd, io);
      case 'init-test': {
        const { file } = cmd;
        const bytes = await readGuestFile(file);
        const out = await initTest({ file, bytes, mode: cmd.mode, ...(cmd.out !== undefined ? { out: cmd.out } : {}) }).catch((e: Error) => {
          if (e instanceof ElfError || e instanceof KernelError) throw new CliFailure(`${file}: ${e.message}`, EXIT_USAGE, true);
          if (/already exists/.test(e.message)) throw new CliFailure(e.message, EXIT_USAGE);
          throw e;
        });
        io.stdout.write(`wrote ${out}\nrun it with: node --test ${out}\n`);
        return 0;
      }
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`minivisor: ${e.message}\n${HINT}\n`);
      return EXIT_USAGE;
    }
    if (e instanceof CliFailure) {
      io.stderr.write(`minivisor: ${e.message}\n${e.hint ? HINT + '\n' : ''}`);
      return e.status;
    }
    const err = e as Error;
    const detail = process.env.MINIVISOR_DEBUG ? `\n${err?.stack ?? String(e)}` : ' (set MINIVISOR_DEBUG=1 for a stack trace)';
    io.stderr.write(`minivisor: internal error: ${err?.name ?? 'Error'}: ${err?.message ?? String(e)}${detail}\n`);
    return EXIT_HOST_ERROR;
  }
}
