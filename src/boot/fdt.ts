// A flattened device tree (devicetree specification v0.4, chapter 5) built from a plain object
// tree. Just enough of the format for a board description: nodes, and properties whose values
// are cells, strings, string lists or raw bytes.

export type FdtValue = number | number[] | string | string[] | Uint8Array | true;

export interface FdtNode {
  name: string;
  props?: Record<string, FdtValue>;
  children?: FdtNode[];
}

const FDT_MAGIC = 0xd00dfeed;
const FDT_BEGIN_NODE = 1;
const FDT_END_NODE = 2;
const FDT_PROP = 3;
const FDT_END = 9;

class ByteWriter {
  private buf = new Uint8Array(1024);
  length = 0;

  private grow(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  u32(v: number): void {
    this.grow(4);
    new DataView(this.buf.buffer).setUint32(this.length, v >>> 0, false);
    this.length += 4;
  }

  bytes(b: Uint8Array): void {
    this.grow(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  align4(): void {
    while (this.length % 4) this.bytes(new Uint8Array(1));
  }

  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

const encoder = new TextEncoder();

function cstring(s: string): Uint8Array {
  const b = encoder.encode(s);
  const out = new Uint8Array(b.length + 1);
  out.set(b);
  return out;
}

function encodeValue(v: FdtValue): Uint8Array {
  if (v === true) return new Uint8Array(0);
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'string') return cstring(v);
  if (typeof v === 'number') v = [v];
  if (v.length > 0 && typeof v[0] === 'string') {
    const parts = (v as string[]).map(cstring);
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
  const cells = v as number[];
  const out = new Uint8Array(cells.length * 4);
  const dv = new DataView(out.buffer);
  cells.forEach((c, i) => dv.setUint32(i * 4, c >>> 0, false));
  return out;
}

/** Serialises a tree into a DTB blob (version 17). */
export function buildFdt(root: FdtNode, bootCpu = 0): Uint8Array {
  const struct = new ByteWriter();
  const strings = new ByteWriter();
  const stringOffsets = new Map<string, number>();

  const nameOffset = (name: string): number => {
    let off = stringOffsets.get(name);
    if (off === undefined) {
      off = strings.length;
      strings.bytes(cstring(name));
      stringOffsets.set(name, off);
    }
    return off;
  };

  const emit = (node: FdtNode): void => {
    struct.u32(FDT_BEGIN_NODE);
    struct.bytes(cstring(node.name));
    struct.align4();
    for (const [key, value] of Object.entries(node.props ?? {})) {
      const data = encodeValue(value);
      struct.u32(FDT_PROP);
      struct.u32(data.length);
      struct.u32(nameOffset(key));
      struct.bytes(data);
      struct.align4();
    }
    for (const child of node.children ?? []) emit(child);
    struct.u32(FDT_END_NODE);
  };
  emit(root);
  struct.u32(FDT_END);

  const headerSize = 40;
  const rsvmapOffset = headerSize;
  const rsvmapSize = 16; // just the terminating entry
  const structOffset = rsvmapOffset + rsvmapSize;
  const stringsOffset = structOffset + struct.length;
  const total = stringsOffset + strings.length;
  const out = new Uint8Array((total + 7) & ~7);
  const dv = new DataView(out.buffer);
  const header = [FDT_MAGIC, out.length, structOffset, stringsOffset, rsvmapOffset, 17, 16, bootCpu, strings.length, struct.length];
  header.forEach((v, i) => dv.setUint32(i * 4, v >>> 0, false));
  out.set(struct.result(), structOffset);
  out.set(strings.result(), stringsOffset);
  return out;
}

/** Reads a DTB back into a tree: for tests and for showing a guest's device tree to a learner. */
export function parseFdt(blob: Uint8Array): FdtNode {
  const dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  if (blob.length < 40 || dv.getUint32(0, false) !== FDT_MAGIC) throw new Error('not a flattened device tree (bad magic)');
  const structOffset = dv.getUint32(8, false);
  const stringsOffset = dv.getUint32(12, false);
  const decoder = new TextDecoder();
  const readString = (at: number): [string, number] => {
    let end = at;
    while (end < blob.length && blob[end] !== 0) end++;
    return [decoder.decode(blob.subarray(at, end)), end + 1];
  };
  let p = structOffset;
  const stack: FdtNode[] = [];
  let root: FdtNode | undefined;
  for (;;) {
    if (p + 4 > blob.length) throw new Error('device tree structure runs past the end of the blob');
    const token = dv.getUint32(p, false);
    p += 4;
    if (token === FDT_BEGIN_NODE) {
      const [name, next] = readString(p);
      p = (next + 3) & ~3;
      const node: FdtNode = { name, props: {}, children: [] };
      if (stack.length) stack[stack.length - 1]!.children!.push(node);
      else root = node;
      stack.push(node);
    } else if (token === FDT_PROP) {
      const len = dv.getUint32(p, false);
      const nameoff = dv.getUint32(p + 4, false);
      p += 8;
      const [name] = readString(stringsOffset + nameoff);
      stack[stack.length - 1]!.props![name] = blob.slice(p, p + len);
      p = (p + len + 3) & ~3;
    } else if (token === FDT_END_NODE) {
      stack.pop();
    } else if (token === FDT_END) {
      break;
    } else if (token !== 4 /* FDT_NOP */) {
      throw new Error(`bad device tree token ${token} at offset ${p - 4}`);
    }
  }
  if (!root) throw new Error('device tree has no root node');
  return root;
}
