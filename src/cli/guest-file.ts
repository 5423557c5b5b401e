/**
 * Reading a guest image from the command line, defensively: `minivisor run /dev/zero` must not
 * read forever, a named pipe without a writer must not block in silence, and a 2 GB file must be
 * refused before it is read, not after.
 *
 * So: stat the path and refuse anything but a regular file (naming what it is); open it
 * non-blocking and check again on the open descriptor (the path may have changed in between);
 * refuse a file larger than any guest could use; read the first bytes and refuse a file that is
 * not an image of the expected kind (ELF, or with --kernel an ELF or a Linux Image) before
 * reading the rest; and never read more than the size stat gave.
 */
import { constants, type Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { RAM_MAX_BYTES } from '../core/abi.js';
import { ElfError, formatBytes, isLinuxImage, parseElf } from '../loader/elf.js';
import { KernelError, parseKernel } from '../loader/kernel.js';
import { SNAPSHOT_MAGIC } from '../state/format.js';

/** Whether bytes start with the .mvsnap signature. */
export function isSnapshotHeader(bytes: Uint8Array): boolean {
  return bytes.length >= SNAPSHOT_MAGIC.length && SNAPSHOT_MAGIC.every((b, i) => bytes[i] === b);
}

/** Extra room above the largest RAM a guest can have, for ELF headers, symbols and debug sections. */
export const GUEST_FILE_SLACK_BYTES = 64 * 2 ** 20;

/** The largest guest file read: the 1 GiB RAM limit plus 64 MiB of headers and symbols. */
export const MAX_GUEST_FILE_BYTES = RAM_MAX_BYTES + GUEST_FILE_SLACK_BYTES;

/** Bytes read first to recognise the format: the ELF header (52) and a Linux Image header (64). */
const HEADER_BYTES = 64;

/** The file cannot be used as a guest image; `message` names the problem (shown as "minivisor: <message>"). */
export class GuestFileError extends Error {
  override readonly name = 'GuestFileError';
}

function kindOf(st: Stats): string | undefined {
  if (st.isFile()) return undefined;
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

function refuseKind(file: string, st: Stats): void {
  const kind = kindOf(st);
  if (kind !== undefined) {
    throw new GuestFileError(`cannot read '${file}': it is ${kind}, not a regular file; a guest image must be a regular file`);
  }
}

function refuseSize(file: string, size: number): void {
  if (size > MAX_GUEST_FILE_BYTES) {
    throw new GuestFileError(
      `cannot read '${file}': it is ${formatBytes(size)} (${size} bytes), more than any guest can use; ` +
        `the limit is ${formatBytes(MAX_GUEST_FILE_BYTES)} (the largest guest RAM, ${formatBytes(RAM_MAX_BYTES)}, plus ${formatBytes(GUEST_FILE_SLACK_BYTES)} for headers and symbols)`,
    );
  }
}

function describeOpenError(file: string, e: unknown): GuestFileError {
  const err = e as NodeJS.ErrnoException;
  const why =
    err.code === 'ENOENT' ? 'no such file'
    : err.code === 'EISDIR' ? 'it is a directory'
    : err.code === 'ENOTDIR' ? 'a part of the path is not a directory'
    : err.code === 'EACCES' || err.code === 'EPERM' ? 'permission denied'
    : err.code === 'ELOOP' ? 'too many symbolic links'
    : err.message;
  return new GuestFileError(`cannot read '${file}': ${why}`);
}

/**
 * Throws the loader's own error (ElfError or KernelError) when the first bytes already show that
 * the file is not an image of the kind wanted; the message is the one the whole file would get.
 */
function checkHeader(header: Uint8Array, mode: 'bare' | 'kernel'): void {
  // A snapshot (.mvsnap) carries its own machine: `minivisor run` restores it.
  if (isSnapshotHeader(header)) return;
  const elf = header.length >= 4 && header[0] === 0x7f && header[1] === 0x45 && header[2] === 0x4c && header[3] === 0x46;
  if (elf) return;
  if (mode === 'kernel') {
    if (isLinuxImage(header)) return;
    // Neither: parseKernel reports it from these bytes alone (empty, or not a kernel image).
    parseKernel(header, { ramBytes: RAM_MAX_BYTES });
    throw new KernelError('not-kernel', 'not a RISC-V kernel image'); // not reached: parseKernel threw
  }
  // Not ELF: parseElf reports why from these bytes alone (empty, truncated magic, a Linux Image, not ELF).
  parseElf(header, { ramBytes: RAM_MAX_BYTES, symbols: false });
  throw new ElfError('not-elf', 'not an ELF file'); // not reached: parseElf threw
}

/**
 * Reads a guest image for `minivisor run` (mode 'bare': an ELF; 'kernel': an ELF or a RISC-V
 * Linux Image). Throws GuestFileError for a path that is not a readable regular file of a sane
 * size, and ElfError/KernelError when its first bytes are not an image of that kind.
 */
export async function readGuestFile(file: string, mode: 'bare' | 'kernel'): Promise<Uint8Array> {
  let st: Stats;
  try {
    st = await stat(file);
  } catch (e) {
    throw describeOpenError(file, e);
  }
  // Before opening: opening a FIFO for reading blocks until a writer comes, and opening a device
  // can have effects of its own.
  refuseKind(file, st);
  refuseSize(file, st.size);

  let handle;
  try {
    // O_NONBLOCK: should the path have become a FIFO since stat, open returns at once.
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw describeOpenError(file, e);
  }
  try {
    const fst = await handle.stat();
    refuseKind(file, fst);
    refuseSize(file, fst.size);
    const size = fst.size;

    const header = new Uint8Array(Math.min(size, HEADER_BYTES));
    const got = await readFully(handle, header, 0);
    checkHeader(header.subarray(0, got), mode);

    const bytes = new Uint8Array(size);
    bytes.set(header.subarray(0, got));
    // Never more than `size`: a file that grows while we read is cut where stat said it ended.
    const total = got < header.length ? got : got + (await readFully(handle, bytes, got));
    return total === size ? bytes : bytes.subarray(0, total);
  } catch (e) {
    if (e instanceof GuestFileError || e instanceof ElfError || e instanceof KernelError) throw e;
    throw new GuestFileError(`cannot read '${file}': ${(e as Error).message}`);
  } finally {
    await handle.close();
  }
}

/** Reads into buf[from..] until it is full or the file ends; returns the bytes read. */
async function readFully(handle: import('node:fs/promises').FileHandle, buf: Uint8Array, from: number): Promise<number> {
  let off = from;
  while (off < buf.length) {
    const { bytesRead } = await handle.read(buf, off, buf.length - off, off);
    if (bytesRead === 0) break;
    off += bytesRead;
  }
  return off - from;
}
