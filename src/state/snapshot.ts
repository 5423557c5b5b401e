/**
 * A guest's whole state as a value: capture it into an `.mvsnap` file, read one back, and
 * restore it as a new guest of any hypervisor instance (another worker, another process).
 * The format is in docs/snapshots.md; the container in format.ts.
 *
 * What a guest is lives in its region: the parts of its control block that the core lists as
 * state sections (hart, machine status, UART, CLINT, PLIC, SBI, exit counters, console input
 * and output), and its RAM, stored sparsely (zero pages left out) and compressed. The host adds
 * what it needs to reset the guest later: the image it booted (and the device tree of a kernel).
 */
import { readContainer, writeContainer, SnapshotError, type Container, type ContainerHeader, type SectionInput } from './format.js';
import type { BootRecord, Guest, Hypervisor } from '../core/hypervisor.js';
import type { ElfSegment } from '../loader/elf.js';

export const PAGE_BYTES = 4096;

/** The devices of the machine a snapshot was taken on (QEMU virt subset, DESIGN.md). */
export const MACHINE_DEVICES = [
  'ns16550a@0x10000000',
  'clint@0x2000000',
  'plic@0xc000000',
  'sifive-test@0x100000',
  'pvpanic@0x102000',
  'virtio-mmio@0x10001000 x8 (empty)',
] as const;

interface BootManifest {
  readonly kind: 'bare' | 'kernel';
  readonly entry: number;
  readonly segments: readonly { readonly paddr: number; readonly memsz: number; readonly offset: number; readonly length: number }[];
  /** kernel only */
  readonly format?: 'elf' | 'image';
  readonly loadAddress?: number;
  readonly endAddress?: number;
  readonly bootargs?: string;
  readonly deviceTree?: { readonly address: number; readonly offset: number; readonly length: number };
}

export interface SnapshotHeader extends ContainerHeader {
  readonly producer: 'minivisor';
  /** the core's state layout version (assembly/snapshot.ts) the sections follow */
  readonly stateLayout: number;
  readonly machine: {
    readonly ramBytes: number;
    /** bare: an M-mode program; kernel: S-mode on the hypervisor's SBI; none: nothing loaded */
    readonly mode: 'bare' | 'kernel' | 'none';
    readonly bootargs: string;
    readonly devices: readonly string[];
  };
  readonly time: { readonly deterministic: boolean; readonly mtime: number };
  readonly cpu: { readonly pc: number; readonly priv: number; readonly instret: number };
  readonly ram: { readonly pageBytes: number; readonly pages: number; readonly nonZeroPages: number };
  readonly boot?: BootManifest;
}

/** A snapshot read and checked (see {@link readSnapshot}): restore it as often as you like. */
export interface Snapshot {
  readonly header: SnapshotHeader;
  readonly formatVersion: string;
  /** @internal decoded sections */
  readonly sections: ReadonlyMap<string, Uint8Array>;
}

function tagName(tag: number): string {
  return String.fromCharCode(tag & 0xff, (tag >>> 8) & 0xff, (tag >>> 16) & 0xff, tag >>> 24).trimEnd();
}

/** The core's state sections: name, offset in the control block, size. */
function coreSections(hv: Hypervisor): { name: string; offset: number; size: number }[] {
  const core = hv.core;
  const out = [];
  const n = core.stateSectionCount() >>> 0;
  for (let i = 0; i < n; i++) {
    out.push({ name: tagName(core.stateSectionTag(i) >>> 0), offset: core.stateSectionOffset(i) >>> 0, size: core.stateSectionSize(i) >>> 0 });
  }
  return out;
}

function bootSection(boot: BootRecord | undefined): { manifest?: BootManifest; bytes?: Uint8Array } {
  if (!boot) return {};
  const image = boot.kind === 'bare' ? boot.image : boot.kernel;
  const parts: Uint8Array[] = [];
  let offset = 0;
  const segments = image.segments.map((s: ElfSegment) => {
    parts.push(s.data);
    const e = { paddr: s.paddr, memsz: s.memsz, offset, length: s.data.length };
    offset += s.data.length;
    return e;
  });
  let manifest: BootManifest = { kind: boot.kind, entry: image.entry, segments };
  if (boot.kind === 'kernel') {
    const k = boot.kernel;
    parts.push(k.deviceTree.blob);
    manifest = {
      ...manifest,
      format: k.format,
      loadAddress: k.loadAddress,
      endAddress: k.endAddress,
      bootargs: boot.bootargs,
      deviceTree: { address: k.deviceTree.address, offset, length: k.deviceTree.blob.length },
    };
    offset += k.deviceTree.blob.length;
  }
  const bytes = new Uint8Array(offset);
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  return { manifest, bytes };
}

/**
 * Captures the guest's whole state as `.mvsnap` bytes. The guest is not changed; it can go on
 * running. Everything is taken at an instruction boundary (between two run() calls).
 */
export function captureSnapshot(guest: Guest): Promise<Uint8Array> {
  return capture(guest, true);
}

/**
 * The same without RAM (its page map says no page is stored): the CPU, device, console and
 * boot state that the final round of a live migration sends after the pages (migration.ts).
 * With `boot: false` the boot image is left out too (a kernel's is megabytes, and it does not
 * change while the guest runs: the page sends it ahead, during the pre-copy rounds).
 */
export function captureState(guest: Guest, options: { readonly boot?: boolean } = {}): Promise<Uint8Array> {
  return capture(guest, false, options.boot ?? true);
}

async function capture(guest: Guest, withRam: boolean, withBoot = true): Promise<Uint8Array> {
  const hv = guest.hypervisor;
  const core = hv.core;
  const h = guest.handle;
  const mtime = core.guestMtime(h);
  const block = core.guestStatePtr(h) >>> 0;
  const mem = new Uint8Array(core.memory.buffer);
  const inputs: SectionInput[] = coreSections(hv).map((s) => ({
    name: s.name,
    bytes: mem.slice(block + s.offset, block + s.offset + s.size),
    // The console buffers are large and mostly empty; the rest is small. A migration's final
    // state is sent raw: its downtime matters more than a few KiB.
    compress: withRam && s.size > 0x1000,
  }));

  // Page by page through the page map: pages shared with a fork stay shared.
  const ramBytes = guest.ramBytes;
  const pages = ramBytes / PAGE_BYTES;
  const map = new Uint8Array(Math.ceil(pages / 8));
  const kept: Uint8Array[] = [];
  for (let p = 0; withRam && p < pages; p++) {
    if (!guest.pageIsZero(p)) {
      map[p >> 3]! |= 1 << (p & 7);
      kept.push(guest.pageView(p));
    }
  }
  const nonZero = kept.length;
  const data = new Uint8Array(nonZero * PAGE_BYTES);
  kept.forEach((page, i) => data.set(page, i * PAGE_BYTES));
  inputs.push({ name: 'ram-map', bytes: map, compress: withRam }, { name: 'ram', bytes: data, compress: withRam });

  const boot = withBoot ? bootSection(guest.bootRecord) : {};
  if (boot.bytes) inputs.push({ name: 'boot', bytes: boot.bytes, compress: withRam });

  const record = withBoot ? guest.bootRecord : undefined;
  const header: Omit<SnapshotHeader, 'sections'> = {
    producer: 'minivisor',
    stateLayout: core.stateLayoutVersion() >>> 0,
    machine: {
      ramBytes,
      mode: record?.kind ?? 'none',
      bootargs: record?.kind === 'kernel' ? record.bootargs : '',
      devices: MACHINE_DEVICES,
    },
    time: { deterministic: guest.deterministic, mtime },
    cpu: { pc: guest.pc, priv: guest.priv, instret: guest.instret },
    ram: { pageBytes: PAGE_BYTES, pages, nonZeroPages: nonZero },
    ...(boot.manifest ? { boot: boot.manifest } : {}),
  };
  return writeContainer(header, inputs);
}

function checkHeader(c: Container): SnapshotHeader {
  const h = c.header as SnapshotHeader;
  const m = h.machine;
  if (
    h.producer !== 'minivisor' || typeof m !== 'object' || m === null || !Number.isSafeInteger(m.ramBytes) ||
    typeof h.time !== 'object' || h.time === null || typeof h.time.mtime !== 'number' || typeof h.stateLayout !== 'number'
  ) {
    throw new SnapshotError('corrupted', 'snapshot header lacks the machine, time or state layout description');
  }
  for (const name of ['ram', 'ram-map']) {
    if (!c.sections.has(name)) throw new SnapshotError('corrupted', `snapshot has no "${name}" section`);
  }
  const pages = m.ramBytes / PAGE_BYTES;
  if (c.sections.get('ram-map')!.length !== Math.ceil(pages / 8)) {
    throw new SnapshotError('corrupted', `snapshot's RAM map does not match its RAM size (${m.ramBytes} bytes)`);
  }
  return h;
}

/**
 * Reads and checks `.mvsnap` bytes (signature, version, SHA-256, sections). Throws
 * {@link SnapshotError} naming the problem: not a snapshot, truncated, corrupted, too new.
 */
export async function readSnapshot(bytes: Uint8Array | ArrayBuffer): Promise<Snapshot> {
  const c = await readContainer(bytes);
  const header = checkHeader(c);
  return { header, formatVersion: `${c.major}.${c.minor}`, sections: c.sections };
}

function bootRecordOf(s: Snapshot): BootRecord | undefined {
  const m = s.header.boot;
  if (!m) return undefined;
  const data = s.sections.get('boot');
  if (!data) throw new SnapshotError('corrupted', 'snapshot describes a boot image but has no "boot" section');
  const segments: ElfSegment[] = m.segments.map((seg) => ({
    paddr: seg.paddr,
    vaddr: seg.paddr,
    memsz: seg.memsz,
    data: data.subarray(seg.offset, seg.offset + seg.length),
    flags: 0,
  }));
  if (m.kind === 'bare') return { kind: 'bare', image: { entry: m.entry, segments } };
  const dt = m.deviceTree!;
  return {
    kind: 'kernel',
    bootargs: m.bootargs ?? '',
    kernel: {
      entry: m.entry,
      segments,
      format: m.format ?? 'elf',
      loadAddress: m.loadAddress ?? m.entry,
      endAddress: m.endAddress ?? m.entry,
      deviceTree: { address: dt.address, blob: data.subarray(dt.offset, dt.offset + dt.length) },
    },
  };
}

/**
 * Restores a snapshot as a new guest of `hv`: same registers, devices, console buffers, exit
 * counters, clock and RAM, so it continues exactly where the original was. Throws
 * {@link SnapshotError} (bad file, incompatible core, no room for its RAM); nothing changes then.
 */
export async function restoreSnapshot(hv: Hypervisor, input: Uint8Array | ArrayBuffer | Snapshot): Promise<Guest> {
  const snap = input instanceof Uint8Array || input instanceof ArrayBuffer ? await readSnapshot(input) : input;
  checkCompatible(hv, snap);
  const guest = createFor(hv, snap.header.machine.ramBytes);
  try {
    applySnapshot(guest, snap, true);
  } catch (e) {
    guest.destroy();
    throw e;
  }
  return guest;
}

/** Whether this core can restore the snapshot: same state layout, every section of the right size. Throws SnapshotError. */
export function checkCompatible(hv: Hypervisor, snap: Snapshot): void {
  const layout = hv.core.stateLayoutVersion() >>> 0;
  if (snap.header.stateLayout !== layout) {
    throw new SnapshotError(
      'incompatible',
      `snapshot state layout ${snap.header.stateLayout} does not match this core's (${layout}): it was taken by another version of minivisor`,
    );
  }
  for (const s of coreSections(hv)) {
    const bytes = snap.sections.get(s.name);
    if (!bytes) throw new SnapshotError('corrupted', `snapshot lacks the "${s.name}" state section`);
    if (bytes.length !== s.size) {
      throw new SnapshotError('incompatible', `snapshot section "${s.name}" has ${bytes.length} bytes, this core's has ${s.size}`);
    }
  }
}

/** A new, empty guest to restore into. Throws SnapshotError('no-room') when the instance cannot give its RAM. */
export function createFor(hv: Hypervisor, ramBytes: number): Guest {
  try {
    return hv.createGuest({ ramBytes });
  } catch (e) {
    const code = (e as { code?: string }).code;
    const why = code === 'out-of-memory' || code === 'too-many-guests' ? 'no-room' : 'corrupted';
    throw new SnapshotError(why, `cannot restore the snapshot: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Writes a (compatible: checkCompatible) snapshot's state into `guest`, a fresh guest of the same
 * RAM size: the state sections, the RAM pages it stores when `withRam`, and the boot image; then
 * the core reloads the hart and sets the clock. Throws SnapshotError.
 */
export function applySnapshot(guest: Guest, snap: Snapshot, withRam: boolean): void {
  const hv = guest.hypervisor;
  const core = hv.core;
  const boot = bootRecordOf(snap);
  const h = guest.handle;
  const ramBytes = snap.header.machine.ramBytes;
  if (guest.ramBytes !== ramBytes) throw new SnapshotError('corrupted', `the snapshot is for ${ramBytes} bytes of RAM, the guest has ${guest.ramBytes}`);
  if (withRam) {
    const ram = guest.ram();
    const map = snap.sections.get('ram-map')!;
    const data = snap.sections.get('ram')!;
    const pages = ramBytes / PAGE_BYTES;
    for (let p = 0, at = 0; p < pages; p++) {
      if (map[p >> 3]! & (1 << (p & 7))) {
        if (at + PAGE_BYTES > data.length) throw new SnapshotError('corrupted', 'snapshot RAM map lists more pages than its RAM section holds');
        ram.set(data.subarray(at, at + PAGE_BYTES), p * PAGE_BYTES);
        at += PAGE_BYTES;
      }
    }
  }
  const block = core.guestStatePtr(h) >>> 0;
  const mem = new Uint8Array(core.memory.buffer);
  for (const s of coreSections(hv)) mem.set(snap.sections.get(s.name)!, block + s.offset);
  guest.adoptBootRecord(boot);
  core.guestRestored(h, snap.header.time.mtime);
}
