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
 *                 (its trap handler faults on itself, or it sleeps in WFI with every interrupt
 *                 that could wake it disabled), writing stdout failed (ENOSPC, EIO...: the
 *                 message names the error), or an internal error;
 *   141           stdout was closed by its reader (EPIPE only; 128 + SIGPIPE, as a shell would
 *                 report it).
 */
import { readFile } from 'node:fs/promises';
import { getSystemErrorMap } from 'node:util';
import { Hypervisor, GuestCreateError, checkRamSize, type Guest, type GuestFault } from '../core/hypervisor.js';
import { CoreLoadError } from '../core/wasm.js';
import { ElfError, hex32, parseElf } from '../loader/elf.js';
import { KernelError } from '../loader/kernel.js';
import { GuestFileError, isSnapshotHeader, readGuestFile as readGuestImage } from './guest-file.js';
import { SNAPSHOT_HELP_TEXT, describeWritten, parseSnapshotArgs, takeSnapshot, type SnapshotCommand } from './snapshot-command.js';
import { SnapshotError } from '../state/format.js';
import { EXCEPTION_NAMES, formatExitTable } from '../core/exits.js';
import { HELP_TEXT, UsageError, parseCommandLine, type Command, type RunCommand } from './args.js';
import { runGuest, type RunIo, type RunOutcome } from './run.js';
import { runNetwork } from './run-network.js';
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

/** Reads a guest image (see guest-file.ts: regular files of a sane size, header checked first). */
async function readGuestFile(file: string, mode: 'bare' | 'kernel'): Promise<Uint8Array> {
  try {
    return await readGuestImage(file, mode);
  } catch (e) {
    if (e instanceof GuestFileError) throw new CliFailure(e.message, EXIT_USAGE, true);
    if (e instanceof ElfError || e instanceof KernelError) throw new CliFailure(`${file}: ${e.message}`, EXIT_USAGE, true);
    throw e;
  }
}

async function createHypervisor(jit = true): Promise<Hypervisor> {
  try {
    return await Hypervisor.create({ jit });
  } catch (e) {
    if (e instanceof CoreLoadError) throw new CliFailure(e.message, EXIT_HOST_ERROR);
    throw e;
  }
}

/** `minivisor run file.mvsnap`: the snapshot carries its machine; the run flags apply. */
async function runSnapshot(cmd: RunCommand, bytes: Uint8Array, io: RunIo): Promise<number> {
  if (cmd.mode === 'kernel' || cmd.bootargs !== undefined) {
    throw new CliFailure(`${cmd.file} is a snapshot: it carries its own boot mode and command line; run it without --kernel and --append`, EXIT_USAGE, true);
  }
  const hv = await createHypervisor(cmd.jit);
  let guest: Guest;
  try {
    guest = await hv.restore(bytes);
  } catch (e) {
    if (e instanceof SnapshotError) throw new CliFailure(`${cmd.file}: ${e.message}`, e.code === 'no-room' ? EXIT_HOST_ERROR : EXIT_USAGE, e.code !== 'no-room');
    throw e;
  }
  try {
    if (cmd.deterministic) guest.setDeterministic(true);
    const started = performance.now();
    const outcome = await runGuest(guest, cmd, io);
    const seconds = (performance.now() - started) / 1000;
    const status = reportOutcome(outcome, cmd, io, guest);
    if (cmd.stats) io.stderr.write(`\n${formatExitTable(guest.exits(), { instructions: outcome.instructions, seconds })}${jitLine(hv, outcome.instructions)}`);
    return status;
  } finally {
    guest.destroy();
  }
}

async function snapshotCommand(cmd: SnapshotCommand, io: RunIo): Promise<number> {
  const bytes = await readGuestFile(cmd.file, cmd.mode);
  if (isSnapshotHeader(bytes)) throw new CliFailure(`${cmd.file} is already a snapshot; to continue it: minivisor run ${cmd.file}`, EXIT_USAGE, true);
  const hv = await createHypervisor();
  let guest: Guest;
  try {
    guest = hv.createGuest({ ramBytes: cmd.ramBytes, deterministic: cmd.deterministic });
  } catch (e) {
    if (e instanceof GuestCreateError) throw new CliFailure(e.message, EXIT_HOST_ERROR);
    throw e;
  }
  try {
    try {
      if (cmd.mode === 'bare') guest.load(bytes);
      else guest.bootKernel(bytes, { bootargs: cmd.bootargs });
    } catch (e) {
      if (e instanceof ElfError || e instanceof KernelError) throw new CliFailure(`${cmd.file}: ${e.message}`, EXIT_USAGE, true);
      throw e;
    }
    const outcome = await takeSnapshot(guest, cmd, io.stdout);
    switch (outcome.kind) {
      case 'written':
        io.stderr.write(describeWritten(cmd, outcome));
        return 0;
      case 'timeout':
        io.stderr.write(`minivisor: no snapshot written: the console did not show ${JSON.stringify(outcome.waitingFor)} within ${cmd.timeoutSeconds} s (--timeout)\n`);
        return EXIT_LIMIT;
      case 'stopped':
        io.stderr.write(`minivisor: no snapshot written: ${outcome.why} before the console showed ${JSON.stringify(outcome.waitingFor)}\n`);
        return EXIT_HOST_ERROR;
    }
  } finally {
    guest.destroy();
  }
}

async function run(cmd: RunCommand, io: RunIo): Promise<number> {
  const problem = checkRamSize(cmd.ramBytes);
  if (problem) throw new CliFailure(problem, EXIT_USAGE, true);
  const bytes = await readGuestFile(cmd.file, cmd.mode);
  if (isSnapshotHeader(bytes)) return runSnapshot(cmd, bytes, io);
  const imageError = (e: unknown): unknown =>
    e instanceof ElfError || e instanceof KernelError ? new CliFailure(`${cmd.file}: ${e.message}`, EXIT_USAGE, true) : e;
  // Parsed once. A bare-metal ELF is validated before loading the core, so a bad one is reported
  // the same with or without it; a kernel is parsed by bootKernel (it also builds the device tree).
  let image;
  try {
    image = cmd.mode === 'bare' ? parseElf(bytes, { ramBytes: cmd.ramBytes, symbols: false }) : undefined;
  } catch (e) {
    throw imageError(e);
  }

  const hv = await createHypervisor(cmd.jit);
  let guest;
  try {
    guest = hv.createGuest({ ramBytes: cmd.ramBytes, deterministic: cmd.deterministic });
  } catch (e) {
    if (e instanceof GuestCreateError) throw new CliFailure(e.message, EXIT_HOST_ERROR);
    throw e;
  }
  try {
    try {
      if (image) guest.loadImage(image);
      else guest.bootKernel(bytes, { bootargs: cmd.bootargs });
    } catch (e) {
      throw imageError(e);
    }
    const started = performance.now();
    const outcome = await runGuest(guest, cmd, io);
    const seconds = (performance.now() - started) / 1000;
    const status = reportOutcome(outcome, cmd, io, guest);
    if (cmd.stats) {
      io.stderr.write(`\n${formatExitTable(guest.exits(), { instructions: outcome.instructions, seconds })}${jitLine(hv, outcome.instructions)}`);
    }
    return status;
  } finally {
    guest.destroy();
  }
}

/** The JIT's counters for --stats. */
function jitLine(hv: Hypervisor, instructions: number): string {
  const j = hv.jitStats();
  if (!j.enabled && j.translations === 0) return 'jit: off, every instruction interpreted\n';
  const share = instructions > 0 ? ` (${((100 * j.instructions) / instructions).toFixed(1)}%)` : '';
  return (
    `jit: ${plural(j.translations, 'region')} translated, ${j.instructions} instructions run translated${share}, ` +
    `${plural(j.invalidations, 'page')} invalidated, cache emptied ${j.flushes}x, compile ${j.compileMs.toFixed(1)} ms, ${j.codeBytes} bytes of code, cache ${formatKiB(j.cacheBytes)} of ${formatKiB(j.cacheLimit)}\n`
  );
}

function formatKiB(bytes: number): string {
  return `${Math.round(bytes / 1024)} KiB`;
}

function plural(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

/** A word of the guest's hart state (offsets from assembly/hart.ts). */
function hartWord(guest: Guest, offset: number): number {
  const core = guest.hypervisor.core;
  return new DataView(core.memory.buffer).getUint32((core.guestStatePtr(guest.handle) >>> 0) + offset, true);
}
const H_MTVEC = 0x098;
const H_STVEC = 0x0b8;
const PRIV_M = 3;

/**
 * Why a guest is stuck on an exception, in words. The core stops a guest when an exception's
 * handler is the very instruction that raised it. With the trap vector unset (0), the exception
 * that started it sent the guest to address 0, where fetching faults again: name that first
 * exception (the core keeps it: fault.previous), not address 0; without it, name the exceptions
 * the guest took (from its exit counters).
 */
function describeStuck(guest: Guest, fault: GuestFault, cmd: RunCommand): string {
  const what = `exception ${EXCEPTION_NAMES[fault.cause & 0xf] ?? fault.cause} (cause ${fault.cause})`;
  const inM = guest.priv === PRIV_M;
  const tvecName = inM ? 'mtvec' : 'stvec';
  const tvec = hartWord(guest, inM ? H_MTVEC : H_STVEC);
  const kernelHint =
    cmd.mode === 'kernel' && !inM ? '; with --kernel the guest starts in S-mode and must set stvec (a bare-metal M-mode program runs without --kernel)' : '';
  if (fault.kind === 'stuck' && fault.previous !== undefined && (tvec & ~3) === 0) {
    const p = fault.previous;
    const first = `exception ${EXCEPTION_NAMES[p.cause & 0xf] ?? p.cause} (cause ${p.cause}) at ${hex32(p.pc)}${p.tval !== 0 && p.tval !== p.pc ? ` (address ${hex32(p.tval)})` : ''}`;
    return (
      `${first}, and it has no trap handler (${tvecName} = 0): the exception sent it to address 0, where it faults again ` +
      `(${what} at ${hex32(fault.pc)}, over and over). Set ${tvecName} to a trap handler${kernelHint}`
    );
  }
  if ((tvec & ~3) === 0) {
    const taken = guest
      .exits()
      .filter((e) => e.name.startsWith('exception:'))
      .map((e) => `${e.count} ${e.name.slice('exception:'.length)}`);
    return (
      `${what} at ${hex32(fault.pc)}, over and over: it has no trap handler (${tvecName} = 0), so an earlier exception sent it to address 0, ` +
      `where it faults again; the earlier exception's PC is not recorded (exceptions taken: ${taken.join(', ') || 'none counted'}). ` +
      `Set ${tvecName} to a trap handler to see where it happened${kernelHint}`
    );
  }
  const why =
    fault.cause === 1 || fault.cause === 12
      ? `its trap handler (${tvecName} = ${hex32(tvec)}) is not executable memory`
      : `its trap handler (${tvecName} = ${hex32(tvec)}) raises the very exception it handles`;
  return `${what} at ${hex32(fault.pc)}, over and over: ${why}${kernelHint}`;
}

function reportOutcome(outcome: RunOutcome, cmd: RunCommand, io: RunIo, guest: Guest): number {
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
      if (outcome.fault.kind === 'internal-error') {
        io.stderr.write(`minivisor: ${outcome.fault.message}\n`);
        return EXIT_HOST_ERROR;
      }
      io.stderr.write(`minivisor: the guest is stuck after ${plural(outcome.instructions, 'instruction')}: ${describeStuck(guest, outcome.fault, cmd)}\n`);
      return EXIT_HOST_ERROR;
    }
    case 'asleep-forever':
      io.stderr.write(`minivisor: the guest is stuck after ${plural(outcome.instructions, 'instruction')}: ${outcome.fault.message}\n`);
      return EXIT_HOST_ERROR;
    case 'output-closed':
      // The reader went away (EPIPE): silent, with the status a shell gives a process SIGPIPE killed.
      return EXIT_OUTPUT_CLOSED;
    case 'output-error': {
      const e = outcome.error;
      const [name, text] = (e.errno !== undefined ? getSystemErrorMap().get(e.errno) : undefined) ?? [e.code ?? e.name, e.message];
      io.stderr.write(`minivisor: write error on stdout: ${text} (${name}); the guest's output was lost\n`);
      return EXIT_HOST_ERROR;
    }
  }
}

/**
 * Runs the CLI with the arguments after `minivisor`; resolves to the process exit status.
 * Never throws for user errors; an unexpected error is reported as an internal error (status 1).
 */
export async function main(argv: readonly string[], io: RunIo = defaultIo()): Promise<number> {
  let cmd: Command;
  try {
    if (argv[0] === 'snapshot') {
      const snapCmd = parseSnapshotArgs(argv.slice(1));
      if (snapCmd.kind === 'snapshot-help') {
        io.stdout.write(SNAPSHOT_HELP_TEXT);
        return 0;
      }
      return await snapshotCommand(snapCmd, io);
    }
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
      case 'run-network':
        return await runNetwork(cmd, io);
      case 'init-test': {
        const { file } = cmd;
        const bytes = await readGuestFile(file, cmd.mode);
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
