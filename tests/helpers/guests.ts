// Running a guest ELF to completion on the real core, and on QEMU when it is installed: what
// the ISA, guest and differential tests share.

import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hypervisor, STOP_HALTED, STOP_OUTPUT_FULL, STOP_RESET, STOP_WFI, StopReason, type ExitStats, type Guest } from '../../src/index.js';

export const GUEST_BIN = fileURLToPath(new URL('../../guests/bin/', import.meta.url));

export function guestPath(name: string): string {
  return GUEST_BIN + name;
}

export interface GuestRun {
  output: string;
  exitCode: number | undefined;
  instructions: number;
  /** the guest's non-zero VM-exit counters when it stopped */
  exits: ExitStats;
}

export interface RunOptions {
  /** bytes fed to the UART as the guest asks for them */
  input?: string;
  /** instruction budget (default 2e9) */
  budget?: number;
  ramBytes?: number;
  /** boot the ELF as a kernel in S-mode (Guest.bootKernel: SBI from the hypervisor, a0/a1 set) */
  kernel?: boolean;
  /** the kernel command line, with `kernel` */
  bootargs?: string;
}

let shared: Promise<Hypervisor> | undefined;

/** One core instance for a whole test file: guests are created and destroyed in it. */
export function hypervisor(): Promise<Hypervisor> {
  shared ??= Hypervisor.create();
  return shared;
}

/**
 * Runs an ELF until it powers off (or the budget runs out), feeding `input` to its UART as it
 * asks for it. Deterministic time, so that timer-driven guests behave the same on every run.
 * With `kernel`, the ELF is booted in kernel mode (S-mode, the hypervisor as its SBI firmware).
 */
export async function runOnCore(elfName: string, opts: RunOptions = {}): Promise<GuestRun> {
  const hv = await hypervisor();
  const guest = hv.createGuest({ ramBytes: opts.ramBytes ?? 16 << 20, deterministic: true });
  try {
    const bytes = readFileSync(guestPath(elfName));
    if (opts.kernel) guest.bootKernel(bytes, { bootargs: opts.bootargs });
    else guest.load(bytes);
    let pending = new TextEncoder().encode(opts.input ?? '');
    const chunks: Uint8Array[] = [];
    let left = opts.budget ?? 2_000_000_000;
    let exitCode: number | undefined;
    let instructions = 0;
    while (left > 0) {
      if (pending.length) pending = pending.subarray(guest.writeConsole(pending));
      const stop = guest.run(Math.min(left, 10_000_000));
      left -= guest.lastRunCount;
      instructions += guest.lastRunCount;
      chunks.push(guest.readConsole());
      if (stop === STOP_HALTED) {
        exitCode = guest.exitCode;
        break;
      }
      if (stop === STOP_RESET) guest.reset();
      if (stop === STOP_WFI && pending.length === 0 && guest.nextDeadline === Infinity) break;
      if (stop === STOP_OUTPUT_FULL) continue;
    }
    const all = Buffer.concat(chunks.map((c) => Buffer.from(c)));
    return { output: all.toString('latin1'), exitCode, instructions, exits: guest.exits() };
  } finally {
    guest.destroy();
  }
}

export const hasQemu = spawnSync('qemu-system-riscv32', ['--version']).status === 0;

/**
 * The reference machine: qemu-system-riscv32 -M virt -bios none, with stdin and stdout as plain
 * files. (Through pipes QEMU's non-blocking stdio occasionally loses a byte of output.)
 */
export async function runOnQemu(elfName: string, opts: { input?: string; timeoutMs?: number } = {}): Promise<{ output: string; exitCode: number | null }> {
  const dir = mkdtempSync(join(tmpdir(), 'minivisor-qemu-'));
  try {
    const inPath = join(dir, 'in');
    const outPath = join(dir, 'out');
    writeFileSync(inPath, opts.input ?? '', 'latin1');
    const inFd = openSync(inPath, 'r');
    const outFd = openSync(outPath, 'w');
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(
        'qemu-system-riscv32',
        ['-M', 'virt', '-bios', 'none', '-nographic', '-monitor', 'none', '-serial', 'stdio', '-kernel', guestPath(elfName)],
        { stdio: [inFd, outFd, 'ignore'] },
      );
      const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
      child.on('error', reject);
      child.on('exit', (status) => {
        clearTimeout(timer);
        resolve(status);
      });
    });
    closeSync(inFd);
    closeSync(outFd);
    return { output: readFileSync(outPath, 'latin1'), exitCode: code };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs exactly n instructions of a guest (fewer if it stops or idles with nothing due), resetting
 * it when it asks to, and returns its console output: the stepping the snapshot and fork tests
 * compare guests with.
 */
export function runFor(g: Guest, n: number): string {
  let out = '';
  let left = n;
  while (left > 0) {
    const stop = g.run(left);
    left -= g.lastRunCount;
    out += new TextDecoder('latin1').decode(g.readConsole());
    if (stop === StopReason.Halted || stop === StopReason.Faulted) break;
    if (stop === StopReason.Wfi && g.lastRunCount === 0) break; // idle with nothing due
    if (stop === StopReason.Reset) g.reset();
  }
  return out;
}
