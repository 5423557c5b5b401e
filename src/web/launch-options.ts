/**
 * What the launcher's options turn into: the boot mode, RAM and the rest of a launch request,
 * for a catalogue entry or for a user's own file.
 */
import { isLinuxImage } from '../loader/elf.js';
import type { CatalogueEntry } from './catalogue.js';
import type { LaunchRequest } from './controller.js';
import type { BootMode } from './worker/api.js';

const MiB = 1024 * 1024;

export interface LaunchOptions {
  /** undefined: the entry's default (or, for a file, by what the file is) */
  readonly ramBytes?: number;
  readonly weight?: number;
  readonly mode?: BootMode;
  readonly deterministic?: boolean;
  readonly bootargs?: string;
  /** the network segment its card plugs into (undefined: no network) */
  readonly net?: string;
  /** translate its hot code to WebAssembly (default true; the launcher's "Translate hot code (JIT)") */
  readonly jit?: boolean;
}

export function requestForEntry(entry: CatalogueEntry, o: LaunchOptions = {}): LaunchRequest {
  const mode = o.mode ?? entry.mode;
  return {
    name: entry.name,
    image: { url: entry.url },
    mode,
    // A kernel booted from a bare guest's default RAM would not fit its device tree comfortably.
    ramBytes: o.ramBytes ?? (mode === 'kernel' && entry.mode === 'bare' ? 4 * MiB : entry.ramBytes),
    weight: o.weight ?? 1,
    deterministic: o.deterministic ?? false,
    jit: o.jit ?? true,
    ...(o.bootargs ? { bootargs: o.bootargs } : entry.bootargs ? { bootargs: entry.bootargs } : {}),
    ...(o.net ? { net: { segment: o.net } } : {}),
  };
}

/** A user's file: a Linux Image boots in kernel mode; anything else as a bare ELF unless told. */
export function requestForFile(fileName: string, bytes: Uint8Array, o: LaunchOptions = {}): LaunchRequest {
  const mode = o.mode ?? (isLinuxImage(bytes) ? 'kernel' : 'bare');
  return {
    name: fileName.replace(/\.(elf|img|image|bin)$/i, '') || 'guest',
    image: { bytes },
    mode,
    ramBytes: o.ramBytes ?? (mode === 'kernel' ? 64 * MiB : 4 * MiB),
    weight: o.weight ?? 1,
    deterministic: o.deterministic ?? false,
    jit: o.jit ?? true,
    ...(o.bootargs ? { bootargs: o.bootargs } : {}),
    ...(o.net ? { net: { segment: o.net } } : {}),
  };
}
