/**
 * The guests a learner can launch with one click: the prebuilt images in guests/bin, served by
 * Vite (each file becomes a hashed asset in the build), with what each one shows.
 */
import type { BootMode } from './worker/api.js';

export interface CatalogueEntry {
  readonly name: string;
  readonly description: string;
  readonly url: string;
  readonly mode: BootMode;
  readonly ramBytes: number;
  readonly bootargs?: string;
}

const MiB = 1024 * 1024;

/**
 * The catalogue's images in guests/bin, by file name (only these become assets of the site). The
 * Linux Image is there only once it has been built.
 */
const urls = import.meta.glob<string>(
  ['../../guests/bin/{hello,echo,escape,spinner,idle,bench,bench-paged,minios}.elf', '../../guests/bin/linux-rv32imac.Image'],
  { query: '?url', import: 'default', eager: true },
);

function urlOf(file: string): string | undefined {
  return urls[`../../guests/bin/${file}`];
}

const CATALOGUE: readonly (Omit<CatalogueEntry, 'url'> & { readonly file: string })[] = [
  { name: 'hello', file: 'hello.elf', mode: 'bare', ramBytes: MiB, description: 'The smallest guest: two lines on the UART, then power-off.' },
  { name: 'echo', file: 'echo.elf', mode: 'bare', ramBytes: MiB, description: 'Type a line, it comes back. UART RX interrupts through the PLIC; WFI while idle.' },
  { name: 'escape', file: 'escape.elf', mode: 'bare', ramBytes: MiB, description: 'Tries to break out: reads past RAM, MMIO holes, U-mode privileges, console flood. Press a key per attack.' },
  { name: 'spinner', file: 'spinner.elf', mode: 'bare', ramBytes: MiB, description: 'A busy loop that never waits: watch CPU share follow the weight slider.' },
  { name: 'idle', file: 'idle.elf', mode: 'bare', ramBytes: MiB, description: 'A timer tick every second, WFI in between: no host CPU while asleep.' },
  { name: 'bench', file: 'bench.elf', mode: 'bare', ramBytes: MiB, description: 'CPU benchmark, ~300 M instructions: sort, CRC, matrices, N-queens.' },
  { name: 'bench-paged', file: 'bench-paged.elf', mode: 'bare', ramBytes: MiB, description: 'The same benchmark in S-mode with Sv32 paging: what translation costs.' },
  { name: 'minios', file: 'minios.elf', mode: 'kernel', ramBytes: 4 * MiB, description: 'A teaching kernel: Sv32, preemptive U-mode processes, SBI hypercalls. Type help.' },
  { name: 'linux', file: 'linux-rv32imac.Image', mode: 'kernel', ramBytes: 64 * MiB, description: 'Linux 6.1 with BusyBox on musl: a job-control shell, ps, top, containers (kernel mode, 64 MiB). Boots in about a second.' },
];

export const catalogue: readonly CatalogueEntry[] = CATALOGUE.flatMap(({ file, ...entry }) => {
  const url = urlOf(file);
  return url === undefined ? [] : [{ ...entry, url }];
});

export function findEntry(name: string): CatalogueEntry | undefined {
  return catalogue.find((e) => e.name === name);
}
