/**
 * Command-line parsing for `minivisor`.
 *
 * Parsing uses Node's built-in `node:util` parseArgs in strict mode: it is maintained with Node
 * itself, needs no dependency, and rejects unknown options for us. Its error messages are
 * rephrased here into minivisor's style.
 */
import { parseArgs } from 'node:util';
import { checkRamSize } from '../core/hypervisor.js';
import { formatMac, parseMac } from '../net/mac.js';

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
  /** translate hot guest code to WebAssembly (on by default; --jit off) */
  readonly jit: boolean;
  readonly ramBytes: number;
  /** stop after this many instructions (exit 124); undefined = no limit */
  readonly maxInstructions?: number;
  /** stop after this many seconds of wall-clock time (exit 124); undefined = no limit */
  readonly timeoutSeconds?: number;
}

/** One guest of a network run: its file and the per-guest options written before it. */
export interface NetGuestSpec {
  readonly file: string;
  readonly mode: 'bare' | 'kernel';
  /** kernel command line (--append before --kernel FILE) */
  readonly bootargs?: string;
  readonly ramBytes: number;
  /** whether --ram or --append was given (a snapshot brings its own) */
  readonly machineOptions: boolean;
  /** the switch segment its card is on; undefined: its card is not connected */
  readonly segment?: string;
  /** its card's MAC (default: the switch gives 02:00:00:00:00:NN, NN its place on the switch) */
  readonly mac?: string;
  /** its console prefix, stats heading and switch port name */
  readonly name: string;
}

/**
 * `minivisor run [--net SEG] [--mac MAC] [--name N] a.elf [--net SEG ...] b.elf ... [--pcap FILE]`:
 * several guests side by side, their cards on one virtual switch (docs/network.md).
 */
export interface NetworkRunCommand {
  readonly kind: 'run-network';
  readonly guests: readonly NetGuestSpec[];
  /** write every frame the switch forwards to this file (libpcap) */
  readonly pcap?: string;
  readonly stats: boolean;
  readonly deterministic: boolean;
  /** translate hot guest code (on by default; --jit off), for every guest */
  readonly jit: boolean;
  /** each guest stops after this many instructions */
  readonly maxInstructions?: number;
  readonly timeoutSeconds?: number;
}

/** `minivisor init-test <guest.elf> [--out FILE]`: write a starter test of one's own guest. */
export interface InitTestCommand {
  readonly kind: 'init-test';
  readonly file: string;
  readonly mode: 'bare' | 'kernel';
  readonly out?: string;
}

export type Command = { readonly kind: 'help' } | { readonly kind: 'version' } | RunCommand | NetworkRunCommand | InitTestCommand;

export const HELP_TEXT = `Usage: minivisor run <guest.elf> [options]
       minivisor run --kernel <image> [--append "<bootargs>"] [options]
       minivisor run <file.mvsnap> [options]          (continue a snapshot)
       minivisor run [guest options] <guest> [[guest options] <guest>...]
                     [--pcap FILE] [options]          (several guests, one network)
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

Several guests: give several guest files (an ELF, --kernel IMAGE or a
snapshot). Options written before a guest apply to that guest only:
  --net SEGMENT            plug its network card (virtio-net) into the virtual
                           switch on SEGMENT; guests on different segments
                           never see each other's frames (without --net, its
                           card is unplugged)
  --mac MAC                its card's MAC (default 02:00:00:00:00:NN, NN its
                           place on the switch, counting from 1)
  --name NAME              its name (default: the file name without extension)
  --ram SIZE, --append ARGS   as below, for this guest
and these for the whole run, anywhere:
  --pcap FILE              write every frame the switch forwards to FILE
                           (libpcap: tcpdump -r, Wireshark)
  --timeout, --max-instructions (per guest), --stats, --deterministic
                           (with --deterministic each guest keeps its own
                           clock, and one asleep in WFI jumps to its next
                           timer: guests that wait for each other's frames
                           with a timeout, like netdemo, need real time)
Each guest's console goes to stdout, every line prefixed with "NAME| ";
stdin goes to the first guest. The run ends when every guest has powered
off (or is stuck); its exit status is the first non-zero status among the
guests in command-line order (124 for a guest stopped by a limit, 1 for a
stuck one), else 0. Example, two netdemo guests ping-ponging:
  minivisor run --net lan guests/bin/netdemo.elf --net lan guests/bin/netdemo.elf

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
  --jit on|off             translate hot guest code to WebAssembly (default
                           on); with --stats, its counters too
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
function parseJit(value: string | undefined): boolean {
  if (value === undefined || value === 'on') return true;
  if (value === 'off') return false;
  throw new UsageError(`--jit ${value}: say on or off`);
}

export function parseCommandLine(argv: readonly string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({
      args: joinNegativeValues(argv),
      strict: true,
      allowPositionals: true,
      tokens: true,
      options: {
        ram: { type: 'string' },
        'max-instructions': { type: 'string' },
        timeout: { type: 'string' },
        kernel: { type: 'string' },
        append: { type: 'string' },
        out: { type: 'string' },
        net: { type: 'string' },
        mac: { type: 'string' },
        name: { type: 'string' },
        pcap: { type: 'string' },
        stats: { type: 'boolean' },
        deterministic: { type: 'boolean' },
        jit: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'V' },
      },
    });
  } catch (e) {
    throw rephrase(e as NodeParseError);
  }
  const { values, positionals, tokens } = parsed;
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
  const kernelCount = tokens.filter((t) => t.kind === 'option' && t.name === 'kernel').length;
  const networked = ['net', 'mac', 'name', 'pcap'].some((k) => values[k as keyof typeof values] !== undefined);
  if (networked || rest.length + kernelCount > 1) return parseNetworkRun(tokens, values);
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
    jit: parseJit(values.jit),
  };
  if (kernel !== undefined) cmd.bootargs = values.append ?? '';
  if (values['max-instructions'] !== undefined) cmd.maxInstructions = parseMaxInstructions(values['max-instructions']);
  if (values.timeout !== undefined) cmd.timeoutSeconds = parseTimeout(values.timeout);
  return cmd;
}

type ParseToken = NonNullable<ReturnType<typeof parseArgs>['tokens']>[number];

/** Options written before a guest that apply to it alone. */
const PER_GUEST = new Set(['net', 'mac', 'name', 'ram', 'append']);

/**
 * Several guests (NetworkRunCommand): walks the tokens in order; per-guest options collect until
 * the guest they precede (a file, or --kernel FILE).
 */
function parseNetworkRun(tokens: readonly ParseToken[], values: { pcap?: string | boolean; stats?: string | boolean; deterministic?: string | boolean; jit?: string | boolean; 'max-instructions'?: string | boolean; timeout?: string | boolean }): NetworkRunCommand {
  const guests: { -readonly [K in keyof NetGuestSpec]: NetGuestSpec[K] }[] = [];
  let pending = new Map<string, string>();
  const flushGuest = (file: string, mode: 'bare' | 'kernel') => {
    if (file === '') throw new UsageError(mode === 'kernel' ? "option '--kernel' needs a file name" : 'a guest file name is empty');
    const append = pending.get('append');
    if (append !== undefined && mode !== 'kernel') {
      throw new UsageError(`--append before ${file}: only a kernel gets a command line (--append "..." --kernel <image>)`);
    }
    const ram = pending.get('ram');
    const segment = pending.get('net');
    if (segment === '') throw new UsageError(`--net before ${file} needs a segment name (e.g. --net lan)`);
    const mac = pending.get('mac');
    if (mac !== undefined && segment === undefined) throw new UsageError(`--mac before ${file} needs --net: only a card on the switch gets a MAC from the command line`);
    const name = pending.get('name');
    if (name === '' || (name !== undefined && /[\n\r|]/.test(name))) throw new UsageError(`--name before ${file}: give a name without '|' or line breaks`);
    guests.push({
      file,
      mode,
      ramBytes: ram === undefined ? DEFAULT_RAM_BYTES : parseRamOption(ram),
      machineOptions: ram !== undefined || append !== undefined,
      ...(mode === 'kernel' ? { bootargs: append ?? '' } : {}),
      ...(segment !== undefined ? { segment } : {}),
      ...(mac !== undefined ? { mac: checkMac(mac, file) } : {}),
      name: name ?? '',
    });
    pending = new Map();
  };
  let sawCommand = false;
  for (const t of tokens) {
    if (t.kind === 'option-terminator') continue;
    if (t.kind === 'positional') {
      if (!sawCommand) sawCommand = true; // 'run'
      else flushGuest(t.value, 'bare');
      continue;
    }
    if (t.name === 'kernel') flushGuest(t.value ?? '', 'kernel');
    else if (PER_GUEST.has(t.name)) {
      if (pending.has(t.name)) throw new UsageError(`--${t.name} given twice for one guest (per-guest options go before the guest they apply to)`);
      pending.set(t.name, t.value ?? '');
    }
  }
  if (pending.size > 0) {
    const names = [...pending.keys()].map((k) => `--${k}`).join(', ');
    throw new UsageError(`${names} after the last guest: per-guest options (--net, --mac, --name, --ram, --append) go before the guest file they apply to`);
  }
  if (guests.length === 0) throw new UsageError('missing guest file: minivisor run [--net SEGMENT] <guest.elf> ...');
  // Names: the file's, made unique by their place on the command line.
  const base = guests.map((g) => g.file.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '') || g.file);
  for (const [i, g] of guests.entries()) {
    if (g.name !== '') continue;
    g.name = base.filter((b) => b === base[i]).length > 1 ? `${base[i]}-${i + 1}` : base[i]!;
  }
  const seen = new Set<string>();
  for (const g of guests) {
    if (seen.has(g.name)) throw new UsageError(`two guests are named '${g.name}'; give one of them another --name`);
    seen.add(g.name);
  }
  const macs = new Map<string, string>();
  for (const g of guests) {
    if (g.mac === undefined) continue;
    const other = macs.get(g.mac);
    if (other !== undefined) throw new UsageError(`guests '${other}' and '${g.name}' have the same MAC ${g.mac}`);
    macs.set(g.mac, g.name);
  }
  if (typeof values.pcap === 'string' && !guests.some((g) => g.segment !== undefined)) {
    throw new UsageError('--pcap captures the switch, but no guest is on it: put --net SEGMENT before a guest');
  }
  if (values.pcap === '') throw new UsageError("option '--pcap' needs a file name");
  const cmd: { -readonly [K in keyof NetworkRunCommand]: NetworkRunCommand[K] } = {
    kind: 'run-network',
    guests,
    stats: values.stats === true,
    deterministic: values.deterministic === true,
    jit: parseJit(typeof values.jit === 'string' ? values.jit : undefined),
  };
  if (typeof values.pcap === 'string') cmd.pcap = values.pcap;
  if (typeof values['max-instructions'] === 'string') cmd.maxInstructions = parseMaxInstructions(values['max-instructions']);
  if (typeof values.timeout === 'string') cmd.timeoutSeconds = parseTimeout(values.timeout);
  return cmd;
}

/** A unicast MAC in canonical form (lower-case hex, colons). */
function checkMac(text: string, file: string): string {
  let b: Uint8Array;
  try {
    b = parseMac(text);
  } catch {
    throw new UsageError(`--mac '${text}' before ${file} is not a MAC address; use six hex bytes such as 52:54:00:12:34:56`);
  }
  if ((b[0]! & 1) !== 0) throw new UsageError(`--mac ${text} before ${file} is a multicast address; a card needs a unicast one (first byte even)`);
  return formatMac(b);
}
