/**
 * `minivisor snapshot`: boot a guest, drive its console (wait for text, type input, in the
 * order given), and save its whole state as an `.mvsnap` file once the last step is done.
 * `minivisor run file.mvsnap` then starts from there (docs/snapshots.md).
 *
 *   minivisor snapshot --kernel guests/bin/linux-rv32imac.Image --until ':/# ' -o linux.mvsnap
 *   minivisor snapshot guests/bin/echo.elf --until '> ' --type 'hello\n' --until '> ' -o echo.mvsnap
 */
import { rename, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { StopReason } from '../core/abi.js';
import type { Guest } from '../core/hypervisor.js';
import { formatBytes } from '../loader/elf.js';
import { DEFAULT_RAM_BYTES, UsageError, parseRamOption } from './args.js';

export interface SnapshotCommand {
  readonly kind: 'snapshot';
  readonly file: string;
  readonly mode: 'bare' | 'kernel';
  readonly bootargs: string;
  readonly ramBytes: number;
  readonly deterministic: boolean;
  /** in order: wait until the console shows `text` (since the previous step), or type `text` */
  readonly steps: readonly ({ readonly until: string } | { readonly type: string })[];
  readonly out: string;
  readonly timeoutSeconds: number;
}

export const DEFAULT_SNAPSHOT_TIMEOUT_S = 120;

export const SNAPSHOT_HELP_TEXT = `Usage: minivisor snapshot <guest.elf> --until TEXT [--type INPUT ...] -o FILE
       minivisor snapshot --kernel <image> --until TEXT [--type INPUT ...] -o FILE

Boots a guest, waits until its console shows TEXT (and types INPUT, waits again,
... in the order given), then saves its whole state to FILE (.mvsnap): CPU,
devices, console buffers, clock and RAM. 'minivisor run FILE' continues from
there, on any machine; so do the library (hypervisor.restore) and the test API
(launchGuest(FILE)).

In TEXT and INPUT, \\n is a newline, \\r a carriage return, \\t a tab, \\\\ a
backslash and \\xHH a byte.

Options:
  --kernel FILE            boot FILE as a kernel in S-mode (as with run)
  --append ARGS            kernel command line; needs --kernel
  --until TEXT             wait until the console shows TEXT
  --type INPUT             type INPUT on the console
  -o, --out FILE           where to write the snapshot
  --ram SIZE               guest RAM (default 64M)
  --deterministic          guest time follows retired instructions
  --timeout S              give up after S seconds (default ${DEFAULT_SNAPSHOT_TIMEOUT_S}; exit 124)
  -h, --help               show this help
`;

/** "\\n" -> newline etc., so that a shell user can write control characters. */
export function unescape(text: string): string {
  return text.replace(/\\(x[0-9a-fA-F]{2}|[nrt\\])/g, (_, e: string) =>
    e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : e === '\\' ? '\\' : String.fromCharCode(parseInt(e.slice(1), 16)),
  );
}

export function parseSnapshotArgs(argv: readonly string[]): SnapshotCommand | { readonly kind: 'snapshot-help' } {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: true,
      tokens: true,
      options: {
        kernel: { type: 'string' },
        append: { type: 'string' },
        until: { type: 'string', multiple: true },
        type: { type: 'string', multiple: true },
        out: { type: 'string', short: 'o' },
        ram: { type: 'string' },
        deterministic: { type: 'boolean' },
        timeout: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new UsageError(`snapshot: ${(e as Error).message.replace(/\. To specify.*$/s, '')}`);
  }
  const { values, positionals, tokens } = parsed;
  if (values.help) return { kind: 'snapshot-help' };
  const kernel = values.kernel;
  const file = kernel ?? positionals[0];
  if (file === undefined || file === '') throw new UsageError('snapshot: missing guest file: minivisor snapshot <guest.elf> (or --kernel <image>) --until TEXT -o FILE');
  if (positionals.length > (kernel !== undefined ? 0 : 1)) throw new UsageError(`snapshot: unexpected argument '${positionals[kernel !== undefined ? 0 : 1]}'`);
  if (values.append !== undefined && kernel === undefined) throw new UsageError('snapshot: --append needs --kernel');
  if (values.out === undefined || values.out === '') throw new UsageError('snapshot: missing -o FILE: where to write the snapshot');
  const steps: ({ until: string } | { type: string })[] = [];
  for (const t of tokens ?? []) {
    if (t.kind !== 'option' || t.value === undefined) continue;
    if (t.name === 'until') {
      if (t.value === '') throw new UsageError('snapshot: --until needs some text to wait for');
      steps.push({ until: unescape(t.value) });
    }
    if (t.name === 'type') steps.push({ type: unescape(t.value) });
  }
  if (!steps.some((s) => 'until' in s)) {
    throw new UsageError('snapshot: give --until TEXT: the snapshot is taken once the console shows it (e.g. a shell prompt)');
  }
  let timeoutSeconds = DEFAULT_SNAPSHOT_TIMEOUT_S;
  if (values.timeout !== undefined) {
    timeoutSeconds = Number(values.timeout.replace(/s$/i, ''));
    if (!(timeoutSeconds > 0) || !Number.isFinite(timeoutSeconds)) {
      throw new UsageError(`snapshot: --timeout '${values.timeout}' is not a positive number of seconds`);
    }
  }
  return {
    kind: 'snapshot',
    file,
    mode: kernel !== undefined ? 'kernel' : 'bare',
    bootargs: values.append ?? '',
    ramBytes: values.ram === undefined ? DEFAULT_RAM_BYTES : parseRamOption(values.ram),
    deterministic: values.deterministic === true,
    steps,
    out: values.out,
    timeoutSeconds,
  };
}

export type SnapshotOutcome =
  | { readonly kind: 'written'; readonly bytes: number; readonly instructions: number; readonly seconds: number }
  | { readonly kind: 'timeout'; readonly waitingFor: string; readonly instructions: number }
  | { readonly kind: 'stopped'; readonly why: string; readonly waitingFor: string; readonly instructions: number };

/**
 * Runs `guest` (booted) through the steps, echoing its console to `stdout`, then writes the
 * snapshot to cmd.out (through a temporary file, so a failed run never leaves half a file).
 */
export async function takeSnapshot(guest: Guest, cmd: SnapshotCommand, stdout: NodeJS.WritableStream): Promise<SnapshotOutcome> {
  const started = performance.now();
  const deadline = started + cmd.timeoutSeconds * 1000;
  let seen = '';
  let instructions = 0;
  const decoder = new TextDecoder('latin1');
  for (const step of cmd.steps) {
    if ('type' in step) {
      const bytes = new TextEncoder().encode(step.type);
      let at = 0;
      // The UART's queue is bounded: feed it as the guest reads.
      while (at < bytes.length) {
        at += guest.writeConsole(bytes.subarray(at));
        if (at < bytes.length) {
          guest.run(100_000);
          instructions += guest.lastRunCount;
          const out = guest.readConsole();
          stdout.write(out);
          seen += decoder.decode(out);
        }
      }
      seen = '';
      continue;
    }
    while (!seen.includes(step.until)) {
      if (performance.now() > deadline) return { kind: 'timeout', waitingFor: step.until, instructions };
      const stop = guest.run(200_000);
      instructions += guest.lastRunCount;
      const out = guest.readConsole();
      if (out.length) {
        stdout.write(out);
        seen += decoder.decode(out);
      }
      if (stop === StopReason.Halted) return { kind: 'stopped', why: `the guest powered off (exit code ${guest.exitCode})`, waitingFor: step.until, instructions };
      if (stop === StopReason.Faulted) return { kind: 'stopped', why: 'the guest is stuck (see minivisor run for details)', waitingFor: step.until, instructions };
      if (stop === StopReason.Reset) guest.reset();
      if (stop === StopReason.Wfi && guest.lastRunCount === 0) {
        const wake = guest.nextDeadline;
        if (wake === Infinity) return { kind: 'stopped', why: 'the guest waits for input that no step gives', waitingFor: step.until, instructions };
        await new Promise((r) => setTimeout(r, Math.min(50, Math.max(0, wake / 1e4 - performance.now()))));
      }
    }
    seen = seen.slice(seen.indexOf(step.until) + step.until.length);
  }
  const bytes = await guest.snapshot();
  const tmp = `${cmd.out}.tmp-${process.pid}`;
  await writeFile(tmp, bytes);
  await rename(tmp, cmd.out);
  return { kind: 'written', bytes: bytes.length, instructions, seconds: (performance.now() - started) / 1000 };
}

export function describeWritten(cmd: SnapshotCommand, o: { bytes: number; instructions: number; seconds: number }): string {
  return `minivisor: wrote ${cmd.out} (${formatBytes(o.bytes)}) after ${o.instructions} instructions in ${o.seconds.toFixed(2)} s; continue with: minivisor run ${cmd.out}\n`;
}
