/**
 * One line per frame, the way tcpdump prints it, for the page's packet lists: Ethernet, ARP,
 * IPv4 with ICMP, TCP and UDP. Frames come from guests (hostile): every field is read only after
 * checking that the frame is long enough for it, and anything malformed or unknown is said so
 * rather than guessed.
 */
import { formatMac } from './mac.js';

export interface FrameSummary {
  readonly src: string;
  readonly dst: string;
  /** IPv4 addresses when the frame carries IPv4 (or ARP's sender and target) */
  readonly srcIp?: string;
  readonly dstIp?: string;
  /** 'ARP', 'ICMP', 'TCP', 'UDP', 'IPv4', or the ethertype in hex */
  readonly protocol: string;
  readonly length: number;
  /** e.g. "10.0.0.1 > 10.0.0.2: ICMP echo request, id 5, seq 1, length 64" */
  readonly summary: string;
}

function ip(b: Uint8Array, at: number): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
}

function u16(b: Uint8Array, at: number): number {
  return (b[at]! << 8) | b[at + 1]!;
}

function u32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

const ICMP_TYPES: Record<number, string> = { 0: 'echo reply', 3: 'destination unreachable', 8: 'echo request', 11: 'time exceeded' };

function tcpFlags(f: number): string {
  let s = '';
  if (f & 0x02) s += 'S';
  if (f & 0x01) s += 'F';
  if (f & 0x04) s += 'R';
  if (f & 0x08) s += 'P';
  if (f & 0x10) s += '.';
  return s || 'none';
}

export function summarizeFrame(frame: Uint8Array): FrameSummary {
  const length = frame.length;
  if (length < 14) return { src: '?', dst: '?', protocol: '?', length, summary: `truncated Ethernet frame (${length} bytes)` };
  const src = formatMac(frame, 6);
  const dst = formatMac(frame, 0);
  const type = u16(frame, 12);
  const base = { src, dst, length };
  if (type === 0x0806) {
    if (length < 42) return { ...base, protocol: 'ARP', summary: 'ARP, truncated' };
    const op = u16(frame, 20);
    const spa = ip(frame, 28);
    const tpa = ip(frame, 38);
    const summary = op === 1 ? `ARP, Request who-has ${tpa} tell ${spa}` : op === 2 ? `ARP, Reply ${spa} is-at ${formatMac(frame, 22)}` : `ARP, op ${op}`;
    return { ...base, srcIp: spa, dstIp: tpa, protocol: 'ARP', summary };
  }
  if (type !== 0x0800) return { ...base, protocol: `0x${type.toString(16).padStart(4, '0')}`, summary: `ethertype 0x${type.toString(16).padStart(4, '0')}, length ${length}` };
  if (length < 34 || frame[14]! >> 4 !== 4) return { ...base, protocol: 'IPv4', summary: 'IPv4, malformed header' };
  const ihl = (frame[14]! & 0xf) * 4;
  const total = u16(frame, 16);
  const proto = frame[23]!;
  const srcIp = ip(frame, 26);
  const dstIp = ip(frame, 30);
  const l4 = 14 + ihl;
  const fragment = (u16(frame, 20) & 0x1fff) !== 0;
  const ipBase = { ...base, srcIp, dstIp };
  if (ihl < 20 || total < ihl) return { ...ipBase, protocol: 'IPv4', summary: `${srcIp} > ${dstIp}: IPv4, bad header length` };
  if (fragment) return { ...ipBase, protocol: 'IPv4', summary: `${srcIp} > ${dstIp}: IPv4 fragment, proto ${proto}, length ${total - ihl}` };
  const payload = total - ihl;
  if (proto === 1 && length >= l4 + 8) {
    const t = frame[l4]!;
    const name = ICMP_TYPES[t] ?? `type ${t}`;
    const echo = t === 0 || t === 8 ? `, id ${u16(frame, l4 + 4)}, seq ${u16(frame, l4 + 6)}` : '';
    return { ...ipBase, protocol: 'ICMP', summary: `${srcIp} > ${dstIp}: ICMP ${name}${echo}, length ${payload}` };
  }
  if (proto === 6 && length >= l4 + 20) {
    const sp = u16(frame, l4);
    const dp = u16(frame, l4 + 2);
    const seq = u32(frame, l4 + 4);
    const ack = u32(frame, l4 + 8);
    const off = (frame[l4 + 12]! >> 4) * 4;
    const flags = frame[l4 + 13]!;
    const data = Math.max(0, payload - off);
    const ackText = flags & 0x10 ? `, ack ${ack}` : '';
    return { ...ipBase, protocol: 'TCP', summary: `${srcIp}.${sp} > ${dstIp}.${dp}: Flags [${tcpFlags(flags)}], seq ${seq}${ackText}, win ${u16(frame, l4 + 14)}, length ${data}` };
  }
  if (proto === 17 && length >= l4 + 8) {
    return { ...ipBase, protocol: 'UDP', summary: `${srcIp}.${u16(frame, l4)} > ${dstIp}.${u16(frame, l4 + 2)}: UDP, length ${Math.max(0, u16(frame, l4 + 4) - 8)}` };
  }
  return { ...ipBase, protocol: 'IPv4', summary: `${srcIp} > ${dstIp}: ip-proto-${proto}, length ${payload}` };
}
