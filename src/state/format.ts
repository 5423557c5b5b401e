/**
 * The `.mvsnap` container (docs/snapshots.md): magic, format version, a JSON header that
 * describes the machine and lists the sections, the sections' bytes, and a SHA-256 over
 * everything before it. This file knows nothing of guests: src/state/snapshot.ts fills it.
 */

/** "\x89MVSNAP\n": the high byte and the newline catch a file mangled as text, as PNG's magic does. */
export const SNAPSHOT_MAGIC = Uint8Array.of(0x89, 0x4d, 0x56, 0x53, 0x4e, 0x41, 0x50, 0x0a);
/** Readers take every minor version of their major one; a newer major is refused. */
export const SNAPSHOT_MAJOR = 1;
export const SNAPSHOT_MINOR = 0;
/** The file extension users see. */
export const SNAPSHOT_EXTENSION = '.mvsnap';

const PREAMBLE = 16; // magic, major, minor, header length
const HASH_BYTES = 32;
/** A header larger than this is not one we wrote. */
const MAX_HEADER = 1 << 20;

export type SnapshotErrorCode = 'not-a-snapshot' | 'truncated' | 'corrupted' | 'too-new' | 'incompatible' | 'no-room';

/** A snapshot could not be read or restored; `code` says why and `message` names the problem. */
export class SnapshotError extends Error {
  override readonly name = 'SnapshotError';
  constructor(
    readonly code: SnapshotErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export type SectionEncoding = 'raw' | 'deflate-raw';

export interface SectionEntry {
  readonly name: string;
  readonly encoding: SectionEncoding;
  /** offset of its bytes from the start of the section data (just after the header) */
  readonly offset: number;
  /** bytes stored */
  readonly length: number;
  /** bytes once decoded */
  readonly size: number;
}

export interface ContainerHeader {
  readonly sections: readonly SectionEntry[];
  readonly [key: string]: unknown;
}

export interface Container<H extends ContainerHeader = ContainerHeader> {
  readonly major: number;
  readonly minor: number;
  readonly header: H;
  /** each section's decoded bytes, by name */
  readonly sections: ReadonlyMap<string, Uint8Array>;
}

/**
 * Pushes the bytes through a (de)compression stream in one write and collects what comes out:
 * several times faster in Node than piping a Blob's stream, which cuts the input into small chunks.
 */
async function pipe(bytes: Uint8Array, stream: { readonly writable: WritableStream<BufferSource>; readonly readable: ReadableStream<Uint8Array> }): Promise<Uint8Array> {
  const writer = stream.writable.getWriter();
  const written = writer.write(bytes as Uint8Array<ArrayBuffer>).then(() => writer.close());
  const chunks: Uint8Array[] = [];
  let length = 0;
  const reader = stream.readable.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    chunks.push(value);
    length += value.length;
  }
  await written;
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

export function deflate(bytes: Uint8Array): Promise<Uint8Array> {
  return pipe(bytes, new CompressionStream('deflate-raw'));
}

export async function inflate(bytes: Uint8Array, name: string): Promise<Uint8Array> {
  try {
    return await pipe(bytes, new DecompressionStream('deflate-raw'));
  } catch (e) {
    throw new SnapshotError('corrupted', `snapshot section "${name}" does not decompress: ${(e as Error).message}`, { cause: e });
  }
}

async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
}

export interface SectionInput {
  readonly name: string;
  readonly bytes: Uint8Array;
  /** compress it (default: raw) */
  readonly compress?: boolean;
}

/** Writes a container: the header gets the section table added. */
export async function writeContainer(header: Record<string, unknown>, inputs: readonly SectionInput[]): Promise<Uint8Array> {
  const stored = await Promise.all(inputs.map((s) => (s.compress ? deflate(s.bytes) : Promise.resolve(s.bytes))));
  const sections: SectionEntry[] = [];
  let offset = 0;
  inputs.forEach((s, i) => {
    const bytes = stored[i]!;
    sections.push({ name: s.name, encoding: s.compress ? 'deflate-raw' : 'raw', offset, length: bytes.length, size: s.bytes.length });
    offset += bytes.length;
  });
  const json = new TextEncoder().encode(JSON.stringify({ ...header, sections }));
  const total = PREAMBLE + json.length + offset + HASH_BYTES;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set(SNAPSHOT_MAGIC, 0);
  view.setUint16(8, SNAPSHOT_MAJOR, true);
  view.setUint16(10, SNAPSHOT_MINOR, true);
  view.setUint32(12, json.length, true);
  out.set(json, PREAMBLE);
  let at = PREAMBLE + json.length;
  for (const bytes of stored) {
    out.set(bytes, at);
    at += bytes.length;
  }
  out.set(await sha256(out.subarray(0, at)), at);
  return out;
}

function isSectionEntry(x: unknown): x is SectionEntry {
  const s = x as SectionEntry;
  return (
    typeof s === 'object' && s !== null && typeof s.name === 'string' && (s.encoding === 'raw' || s.encoding === 'deflate-raw') &&
    Number.isSafeInteger(s.offset) && s.offset >= 0 && Number.isSafeInteger(s.length) && s.length >= 0 &&
    Number.isSafeInteger(s.size) && s.size >= 0
  );
}

/**
 * Reads and checks a container: magic, version, length, SHA-256, header, every section decoded.
 * Throws {@link SnapshotError}.
 */
export async function readContainer(input: Uint8Array | ArrayBuffer): Promise<Container> {
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  const magicPart = bytes.subarray(0, SNAPSHOT_MAGIC.length);
  if (!SNAPSHOT_MAGIC.every((b, i) => magicPart[i] === b)) {
    if (bytes.length === 0) throw new SnapshotError('not-a-snapshot', 'not a minivisor snapshot: the file is empty');
    if (bytes.length < SNAPSHOT_MAGIC.length && SNAPSHOT_MAGIC.subarray(0, bytes.length).every((b, i) => bytes[i] === b)) {
      throw new SnapshotError('truncated', `snapshot truncated: ${bytes.length} bytes, not even its 8-byte signature`);
    }
    throw new SnapshotError('not-a-snapshot', `not a minivisor snapshot: it does not start with the .mvsnap signature (first bytes ${hexStart(bytes)})`);
  }
  if (bytes.length < PREAMBLE + HASH_BYTES) {
    throw new SnapshotError('truncated', `snapshot truncated: ${bytes.length} bytes, shorter than the smallest snapshot (${PREAMBLE + HASH_BYTES})`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = view.getUint16(8, true);
  const minor = view.getUint16(10, true);
  if (major > SNAPSHOT_MAJOR) {
    throw new SnapshotError('too-new', `snapshot format ${major}.${minor} is newer than this minivisor reads (${SNAPSHOT_MAJOR}.x): update minivisor`);
  }
  if (major < 1) throw new SnapshotError('corrupted', `snapshot format ${major}.${minor} does not exist`);
  const headerLength = view.getUint32(12, true);
  if (headerLength > MAX_HEADER) throw new SnapshotError('corrupted', `snapshot header claims ${headerLength} bytes: corrupted`);
  if (PREAMBLE + headerLength + HASH_BYTES > bytes.length) {
    throw new SnapshotError('truncated', `snapshot truncated: its header alone needs ${PREAMBLE + headerLength + HASH_BYTES} bytes, the file has ${bytes.length}`);
  }
  let header: ContainerHeader;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(PREAMBLE, PREAMBLE + headerLength))) as ContainerHeader;
  } catch (e) {
    throw new SnapshotError('corrupted', `snapshot header is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  if (typeof header !== 'object' || header === null || !Array.isArray(header.sections) || !header.sections.every(isSectionEntry)) {
    throw new SnapshotError('corrupted', 'snapshot header has no valid section table');
  }
  const dataStart = PREAMBLE + headerLength;
  const dataLength = header.sections.reduce((end, s) => Math.max(end, s.offset + s.length), 0);
  const expected = dataStart + dataLength + HASH_BYTES;
  if (bytes.length < expected) {
    throw new SnapshotError('truncated', `snapshot truncated: ${bytes.length} of ${expected} bytes`);
  }
  if (bytes.length > expected) {
    throw new SnapshotError('corrupted', `snapshot has ${bytes.length - expected} unexpected bytes after its end`);
  }
  const digest = await sha256(bytes.subarray(0, expected - HASH_BYTES));
  const stored = bytes.subarray(expected - HASH_BYTES);
  if (!digest.every((b, i) => stored[i] === b)) {
    throw new SnapshotError('corrupted', 'snapshot corrupted: its SHA-256 does not match its contents');
  }
  const sections = new Map<string, Uint8Array>();
  for (const s of header.sections) {
    const raw = bytes.subarray(dataStart + s.offset, dataStart + s.offset + s.length);
    const decoded = s.encoding === 'raw' ? raw : await inflate(raw, s.name);
    if (decoded.length !== s.size) {
      throw new SnapshotError('corrupted', `snapshot section "${s.name}" decodes to ${decoded.length} bytes, the header says ${s.size}`);
    }
    sections.set(s.name, decoded);
  }
  return { major, minor, header, sections };
}

function hexStart(bytes: Uint8Array): string {
  const shown = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return shown || 'none: the file is empty';
}
