/**
 * Command-line parsing for `minivisor`.
 *
 * Parsing uses Node's built-in `node:util` parseArgs in strict mode: it is maintained with Node
 * itself, needs no dependency, and rejects unknown options for us. Its error messages are
 * rephrased here into minivisor's style.
 */
import { parseArgs } from 'node:util';
import { checkRamSize } from '../core/hypervisor.js';

export const DEFAULT_RAM_BYTES = 64 * 2 ** 20;

/** A command-line mistake: printed as "minivisor: <message>" plus the --help hint, exit status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface RunCommand {
  readonly kind: 'run';
  /** the guest file: a bare-metal ELF, or with --kernel a kernel (ELF or RISC-V Linux Image) */
  readonly file: string;
  /** 'kernel': boot `file` in S-mode with the hypervisor as SBI firmware and a device tree */
  readonly mode: 'bare' | 'kernel';
  /** kernel command line (--append), kernel mode only */
  readonly bootargs?: string;
  /** print the VM-exit table on stderr when the guest stops */
  readonly stats: boolean;
  /** guest time follows retired instructions */
  readonly deterministic: boolean;
  readonly ramBytes: number;
  /** stop after this many instructions (exit 124); undefined = no limit */
  readonly maxInstructions?: number;
  /** stop after this many seconds of wall-clock time (exit 124); undefined = no limit */
  readonly timeoutSeconds?: number;
}

/** `minivisor init-test <guest.elf> [--out FILE]`: write a starter test of one's own guest. */
export interface InitTestCommand {
  readonly kind: 'init-test';
  readonly file: string;
  readonly mode: 'bare' | 'kernel';
  readonly out?: string;
}

export type Command = { readonly kind: 'help' } | { readonly kind: 'version' } | RunCommand | InitTestCommand;

export const HELP_TEXT = `Usage: minivisor run <guest.elf> [options]
       minivisor run --kernel <image> [--append "<bootargs>"] [options]
       minivisor run <file.mvsnap> [options]          (continue a snapshot)
       minivisor snapshot <guest.elf> --until TEXT [--type INPUT] -o FILE
                                                      (or --kernel <image>; see snapshot --help)
       minivisor init-test <guest.elf> [--out FILE]   (or --kernel <image>)
       minivisor serve [--port N] [--host H] [--base /path/] [--open]
       minivisor --help | --version

Runs a 32-bit RISC-V guest (an ELF linked for 0x80000000, the same file
qemu-system-riscv32 -M virt -bios none -kernel runs) on minivisor's core,
starting in M-mode at its entry point.

With --kernel, boots a kernel instead (an ELF, or a RISC-V Linux Image) in
S-mode, as QEMU's -kernel does with OpenSBI: minivisor is the SBI firmware
(SBI 2.0 hypercalls), a0 = 0 (hart id) and a1 = the address of a device tree
describing the guest, placed at the top of RAM.

The guest console is the terminal: its UART output goes to stdout and stdin
goes to its UART. On a terminal, press Ctrl-A x to quit, Ctrl-A Ctrl-A to
send Ctrl-A, Ctrl-A h for help.

Options:
  --kernel FILE            boot FILE as a kernel in S-mode (see above)
  --append ARGS            kernel command line (/chosen/bootargs); needs --kernel
  --ram SIZE               guest RAM: 64M (default), 1G, 4096K or bytes;
                           1 MiB to 1 GiB, a multiple of 4 KiB
  --max-instructions N     stop after N instructions (1e9 or 1000000000)
  --timeout S              stop after S seconds of real time (e.g. 10, 0.5)
  --stats                  when the guest stops, print its VM exits by reason
                           (MMIO per device, SBI calls, traps...) on stderr
  --deterministic          guest time follows retired instructions (1 tick of
                           the 10 MHz timer per instruction), so runs repeat
  -h, --help               show this help
  -V, --version            show the version

Exit status:
  the guest's exit code (low 8 bits, like QEMU's SiFive test device);
  124 if --max-instructions or --timeout stopped the guest;
  2 for a bad command line, an unreadable file or an invalid guest image;
  1 if the host could not run the guest (core missing, out of memory), the
    guest is stuck (its trap handler faults on itself, or it sleeps in WFI
    with every interrupt that could wake it disabled) or idles forever, or
    writing its output failed (e.g. a full disk);
  141 if stdout's reader went away (EPIPE);
  0 after Ctrl-A x.
`;

const SIZE_UNITS: Record<string, number> = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 };

/** Parses "64M", "1G", "4096K", "1.5M", "65536" (bytes); KiB-style suffixes ("64MiB", "64MB") too. */
export function parseSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(text);
  if (!m) return undefined;
  const bytes = Number(m[1]) * SIZE_UNITS[m[2].toUpperCase()];
  return Number.isFinite(bytes) ? bytes : undefined;
}

export function parseRamOption(text: string): number {
  if (/^\s*-/.test(text)) {
    throw new UsageError(`--ram ${text}: invalid RAM size: it cannot be negative; use e.g. 64M, 1G, 4096K or a number of bytes (1 MiB to 1 GiB)`);
  }
  const bytes = parseSize(text);
  if (bytes === undefined) {
    throw new UsageError(`--ram '${text}' is not a size; use e.g. 64M, 1G, 4096K or a number of bytes`);
  }
  if (!Number.isInteger(bytes)) throw new UsageError(`--ram ${text} is not a whole number of bytes`);
  const problem = checkRamSize(bytes);
  if (problem) {
    const hint = /^\s*\d+\s*$/.test(text) && bytes > 0 && checkRamSize(bytes * 2 ** 20) === undefined ? ` (a plain number is bytes: did you mean ${text}M?)` : '';
    throw new UsageError(`--ram ${text}: ${problem}${hint}`);
  }
  return bytes;
}

/** Parses "1000000", "1e9", "2.5e6", "1_000_000" into a positive integer. */
export function parseCount(text: string): number | undefined {
  const t = text.trim().replace(/_/g, '');
  if (!/^\d+(\.\d+)?(e\d+)?$/i.test(t)) return undefined;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : undefined;
}

function parseMaxInstructions(text: string): number {
  const n = parseCount(text);
  if (n === undefined || n <= 0) {
    throw new UsageError(`--max-instructions '${text}' is not a positive whole number; use e.g. 1e9 or 1000000`);
  }
  return n;
}

function parseTimeout(text: string): number {
  const t = text.trim().replace(/s$/i, '');
  const n = /^\d+(\.\d*)?(e\d+)?$|^\.\d+$/i.test(t) ? Number(t) : NaN;
  if (!(n > 0) || !Number.isFinite(n) || n > 2 ** 31 / 1000) {
    throw new UsageError(`--timeout '${text}' is not a positive number of seconds; use e.g. 10 or 0.5`);
  }
  return n;
}

interface NodeParseError {
  code?: string;
  message: string;
}

function rephrase(e: NodeParseError): UsageError {
  const quoted = /'([^']*)'/.exec(e.message)?.[1];
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return new UsageError(`unknown option '${quoted ?? e.message}'`);
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      // quoted is e.g. "--ram <value>" or "-h, --help"
      const name = quoted?.replace(/ <value>$/, '').split(', ').pop();
      if (e.message.includes('argument missing')) return new UsageError(`option '${name}' needs a value`);
      if (e.message.includes('ambiguous')) {
        return new UsageError(`option '${name}' needs a value (for a value starting with '-', write ${name}=VALUE)`);
      }
      if (e.message.includes('does not take an argument')) return new UsageError(`option '${name}' takes no value`);
      return new UsageError(e.message);
    }
    default:
      return new UsageError(e.message);
  }
}

/** Options whose value is a number: a value such as "-1" after them is a (bad) value, not an option. */
const NUMERIC_OPTIONS = new Set(['--ram', '--max-instructions', '--timeout']);

/**
 * `--ram -1` becomes `--ram=-1`, so that the value's own check says what is wrong with it
 * (parseArgs would take "-1" for an option and answer "needs a value").
 */
function joinNegativeValues(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const next = argv[i + 1];
    if (NUMERIC_OPTIONS.has(arg) && next !== undefined && /^-\.?\d/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

/** Parses the arguments after `minivisor` (process.argv.slice(2)). Throws {@link UsageError}. */
export function parseCommandLine(argv: readonly string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({
      args: joinNegativeValues(argv),
      strict: true,
      allowPositionals: true,
      options: {
        ram: { type: 'string' },
        'max-instructions': { type: 'string' },
        timeout: { type: 'string' },
        kernel: { type: 'string' },
        append: { type: 'string' },
        out: { type: 'string' },
        stats: { type: 'boolean' },
        deterministic: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'V' },
      },
    });
  } catch (e) {
    throw rephrase(e as NodeParseError);
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };

  const [command, ...rest] = positionals;
  if (command === undefined) throw new UsageError("missing command; to run a guest: minivisor run <guest.elf>");
  if (command === 'help') return { kind: 'help' };
  if (command === 'init-test') {
    const file = values.kernel ?? rest[0];
    if (file === undefined) throw new UsageError('missing guest file: minivisor init-test <guest.elf> (or --kernel <image>)');
    return { kind: 'init-test', file, mode: values.kernel !== undefined ? 'kernel' : 'bare', ...(values.out !== undefined ? { out: values.out } : {}) };
  }
  if (command !== 'run') throw new UsageError(`unknown command '${command}'; to run a guest: minivisor run <guest.elf>`);
  const kernel = values.kernel;
  if (kernel === '') throw new UsageError("option '--kernel' needs a file name");
  let file: string | undefined;
  if (kernel !== undefined) {
    if (rest.length > 0) {
      throw new UsageError(`unexpected argument '${rest[0]}': with --kernel, the kernel is the guest (minivisor run --kernel <image>)`);
    }
    file = kernel;
  } else {
    file = rest[0];
    if (file === undefined) throw new UsageError('missing guest file: minivisor run <guest.elf> (or --kernel <image>)');
    if (rest.length > 1) throw new UsageError(`unexpected argument '${rest[1]}' (one guest file per run)`);
    if (values.append !== undefined) {
      throw new UsageError('--append needs --kernel: only a kernel gets a command line (minivisor run --kernel <image> --append "...")');
    }
  }

  const ramBytes = values.ram === undefined ? DEFAULT_RAM_BYTES : parseRamOption(values.ram);
  const cmd: { -readonly [K in keyof RunCommand]: RunCommand[K] } = {
    kind: 'run',
    file,
    mode: kernel !== undefined ? 'kernel' : 'bare',
    ramBytes,
    stats: values.stats === true,
    deterministic: values.deterministic === true,
  };
  if (kernel !== undefined) cmd.bootargs = values.append ?? '';
  if (values['max-instructions'] !== undefined) cmd.maxInstructions = parseMaxInstructions(values['max-instructions']);
  if (values.timeout !== undefined) cmd.timeoutSeconds = parseTimeout(values.timeout);
  return cmd;
}
