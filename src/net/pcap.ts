/**
 * A capture in the standard libpcap format (what tcpdump -w writes and Wireshark opens):
 * a 24-byte global header (magic 0xa1b2c3d4, version 2.4, LINKTYPE_ETHERNET), then per frame a
 * 16-byte record header (seconds, microseconds, captured length, original length) and the bytes.
 * Little-endian, microsecond timestamps.
 */
export const LINKTYPE_ETHERNET = 1;
const SNAPLEN = 65535;

export class PcapWriter {
  private readonly chunks: Uint8Array[] = [];
  private size = 0;
  private frames = 0;

  /** `write` receives every chunk as it is produced (e.g. a file's write); the writer also keeps them unless `keep` is false. */
  constructor(private readonly options: { readonly write?: (chunk: Uint8Array) => void; readonly keep?: boolean } = {}) {
    const h = new DataView(new ArrayBuffer(24));
    h.setUint32(0, 0xa1b2c3d4, true);
    h.setUint16(4, 2, true);
    h.setUint16(6, 4, true);
    h.setInt32(8, 0, true); // thiszone
    h.setUint32(12, 0, true); // sigfigs
    h.setUint32(16, SNAPLEN, true);
    h.setUint32(20, LINKTYPE_ETHERNET, true);
    this.emit(new Uint8Array(h.buffer));
  }

  /** Adds one frame captured at `timeMs` (milliseconds since the Unix epoch, or any origin). */
  add(frame: Uint8Array, timeMs: number): void {
    const us = Math.max(0, Math.round(timeMs * 1000));
    const caplen = Math.min(frame.length, SNAPLEN);
    const rec = new Uint8Array(16 + caplen);
    const v = new DataView(rec.buffer);
    v.setUint32(0, Math.floor(us / 1e6), true);
    v.setUint32(4, us % 1e6, true);
    v.setUint32(8, caplen, true);
    v.setUint32(12, frame.length, true);
    rec.set(frame.subarray(0, caplen), 16);
    this.emit(rec);
    this.frames++;
  }

  get frameCount(): number {
    return this.frames;
  }

  /** The capture so far (header and every frame kept). */
  bytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }

  private emit(chunk: Uint8Array): void {
    this.options.write?.(chunk);
    if (this.options.keep !== false) {
      this.chunks.push(chunk);
      this.size += chunk.length;
    }
  }
}

export interface PcapRecord {
  readonly timeMs: number;
  readonly frame: Uint8Array;
  readonly originalLength: number;
}

/** Reads a libpcap capture (either byte order, microsecond or nanosecond); throws on anything else. */
export function parsePcap(bytes: Uint8Array): { linkType: number; records: PcapRecord[] } {
  if (bytes.length < 24) throw new Error('pcap: shorter than its global header');
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = v.getUint32(0, true);
  let le: boolean;
  let nano = false;
  if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) le = true;
  else if (v.getUint32(0, false) === 0xa1b2c3d4 || v.getUint32(0, false) === 0xa1b23c4d) le = false;
  else throw new Error(`pcap: bad magic 0x${magic.toString(16)}`);
  nano = v.getUint32(0, le) === 0xa1b23c4d;
  const linkType = v.getUint32(20, le);
  const records: PcapRecord[] = [];
  for (let at = 24; at < bytes.length; ) {
    if (at + 16 > bytes.length) throw new Error('pcap: truncated record header');
    const sec = v.getUint32(at, le);
    const frac = v.getUint32(at + 4, le);
    const caplen = v.getUint32(at + 8, le);
    const orig = v.getUint32(at + 12, le);
    if (at + 16 + caplen > bytes.length) throw new Error('pcap: truncated record');
    records.push({ timeMs: sec * 1000 + (nano ? frac / 1e6 : frac / 1000), frame: bytes.slice(at + 16, at + 16 + caplen), originalLength: orig });
    at += 16 + caplen;
  }
  return { linkType, records };
}
