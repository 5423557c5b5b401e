/**
 * Kernel images for kernel-mode guests (isomorphic). Two formats, as QEMU's `-kernel` takes them:
 *
 * - an ELF executable (e.g. a vmlinux or a bare-metal S-mode program): PT_LOAD segments at p_paddr,
 *   entry e_entry (a virtual entry inside a segment is translated to its physical address);
 * - a RISC-V Linux `Image` (Documentation/arch/riscv/boot-image-header.rst), recognised by the
 *   magic "RSC\x05" at 0x38. Header, little-endian: code0/code1 at 0x00, text_offset (u64) at 0x08,
 *   image_size (u64, the in-memory size including bss) at 0x10, flags at 0x18, version at 0x20,
 *   magic "RISCV\0\0\0" at 0x30 (deprecated), magic2 "RSC\x05" at 0x38; 64 bytes in all. It is
 *   loaded at RAM_BASE + text_offset and entered at its first byte.
 *
 * The device tree goes at the top of RAM (placeDeviceTree); the kernel must end below it.
 */
import { placeDeviceTree } from '../boot/virt-devicetree.js';
import { ElfError, RAM_BASE, formatBytes, hex32, isLinuxImage, parseElf, type ElfImage, type ElfSegment } from './elf.js';

export type KernelErrorCode =
  | 'empty'
  | 'not-kernel'
  | 'truncated'
  | 'bad-header'
  | 'too-large'
  | 'outside-ram'
  | 'overlaps-device-tree'
  | 'invalid-elf';

/** A kernel image minivisor cannot boot; `message` says why. For ELF problems, `cause` is the ElfError. */
export class KernelError extends Error {
  override readonly name = 'KernelError';
  constructor(
    readonly code: KernelErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface KernelImage extends ElfImage {
  /** which format the file was */
  readonly format: 'elf' | 'image';
  /** lowest guest-physical address the kernel occupies */
  readonly loadAddress: number;
  /** first guest-physical address past the kernel (bss included) */
  readonly endAddress: number;
  /** the device tree (for these options) and where it goes in RAM, above the kernel */
  readonly deviceTree: { readonly blob: Uint8Array; readonly address: number };
}

export interface ParseKernelOptions {
  /** guest RAM size in bytes */
  readonly ramBytes: number;
  /** the kernel command line (/chosen/bootargs) */
  readonly bootargs?: string;
}

const IMAGE_HEADER_SIZE = 64;
const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46];

function hexBytes(b: Uint8Array, n: number): string {
  return Array.from(b.subarray(0, n), (x) => x.toString(16).padStart(2, '0')).join(' ') + (b.length > n ? '...' : '');
}

function isElf(b: Uint8Array): boolean {
  return b.length >= 4 && ELF_MAGIC.every((x, i) => b[i] === x);
}

/**
 * Parses and validates a kernel (ELF or RISC-V Linux Image) for a guest with `ramBytes` of RAM,
 * and builds its device tree. Throws {@link KernelError}.
 */
export function parseKernel(input: Uint8Array | ArrayBuffer, options: ParseKernelOptions): KernelImage {
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  const { ramBytes } = options;
  if (bytes.length === 0) throw new KernelError('empty', 'not a RISC-V kernel image: the file is empty (0 bytes)');
  const deviceTree = placeDeviceTree({ ramBytes, bootargs: options.bootargs ?? '' });
  const dtEnd = deviceTree.address + deviceTree.blob.length;
  if (deviceTree.address < RAM_BASE || dtEnd > RAM_BASE + ramBytes) {
    throw new KernelError('too-large', `the device tree (${deviceTree.blob.length} bytes) does not fit in ${formatBytes(ramBytes)} of RAM`);
  }

  let image: ElfImage;
  let format: 'elf' | 'image';
  if (isElf(bytes)) {
    format = 'elf';
    try {
      image = parseElf(bytes, { ramBytes, symbols: false, virtualEntry: true });
    } catch (e) {
      if (e instanceof ElfError) throw new KernelError('invalid-elf', e.message, { cause: e });
      throw e;
    }
  } else if (isLinuxImage(bytes)) {
    format = 'image';
    image = parseLinuxImage(bytes, ramBytes);
  } else {
    throw new KernelError(
      'not-kernel',
      `not a RISC-V kernel image: neither an ELF file (7f 45 4c 46) nor a RISC-V Linux Image ("RSC\\x05" at offset 0x38); the file starts with ${hexBytes(bytes, 8)}`,
    );
  }

  // A loop, not Math.min(...spread): an ELF may have 65534 segments, too many for an argument list.
  let loadAddress = Infinity;
  let endAddress = -Infinity;
  for (const s of image.segments) {
    if (s.paddr < loadAddress) loadAddress = s.paddr;
    if (s.paddr + s.memsz > endAddress) endAddress = s.paddr + s.memsz;
  }
  if (endAddress > deviceTree.address) {
    throw new KernelError(
      'overlaps-device-tree',
      `the kernel (${hex32(loadAddress)}..${hex32(endAddress)}) runs into the device tree at ${hex32(deviceTree.address)}, at the top of ${formatBytes(ramBytes)} of RAM; give the guest more RAM (--ram)`,
    );
  }
  return { ...image, format, loadAddress, endAddress, deviceTree };
}

function parseLinuxImage(bytes: Uint8Array, ramBytes: number): ElfImage {
  const size = bytes.length;
  if (size < IMAGE_HEADER_SIZE) {
    throw new KernelError('truncated', `RISC-V Linux Image truncated: the file is only ${size} bytes, its header needs ${IMAGE_HEADER_SIZE}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const textOffset = view.getBigUint64(0x08, true);
  const imageSize = view.getBigUint64(0x10, true);
  if (imageSize < BigInt(size)) {
    throw new KernelError(
      'bad-header',
      `bad RISC-V Linux Image header: image_size ${imageSize} (at 0x10) is smaller than the ${size}-byte file`,
    );
  }
  if (size > ramBytes) {
    throw new KernelError('too-large', `the Image is ${formatBytes(size)} but the guest has only ${formatBytes(ramBytes)} of RAM; give the guest more RAM (--ram)`);
  }
  if (textOffset >= BigInt(ramBytes)) {
    throw new KernelError(
      'outside-ram',
      `bad RISC-V Linux Image header: text_offset 0x${textOffset.toString(16)} (at 0x08) is past the end of ${formatBytes(ramBytes)} of RAM`,
    );
  }
  if (imageSize > BigInt(ramBytes) - textOffset) {
    throw new KernelError(
      'too-large',
      `the Image needs ${formatBytes(Number(imageSize))} (image_size) at offset 0x${textOffset.toString(16)} but the guest has only ${formatBytes(ramBytes)} of RAM; give the guest more RAM (--ram)`,
    );
  }
  const paddr = RAM_BASE + Number(textOffset);
  // The file holds text and data; only bss (zeroed in memory) lies beyond it, and bss is a small
  // part of a kernel. A file under half of image_size, short by more than 1 MiB, has lost most of
  // its contents on the way.
  if (BigInt(size) * 2n < imageSize && imageSize - BigInt(size) > 1n << 20n) {
    throw new KernelError(
      'truncated',
      `RISC-V Linux Image truncated: the header says the kernel takes ${formatBytes(Number(imageSize))} in memory, but the file has only ${formatBytes(size)}`,
    );
  }
  const segment: ElfSegment = { paddr, vaddr: paddr, data: bytes.slice(), memsz: Number(imageSize), flags: 7 };
  return { entry: paddr, segments: [segment] };
}
