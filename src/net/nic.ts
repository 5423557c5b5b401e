/**
 * The host's side of a guest's network card (virtio-net in the core, assembly/devices/virtio_net.ts):
 * its MAC, the frames it sent, the frames it is given, its statistics. Frames cross the core
 * boundary through two bounded queues in the guest's control block (docs/network.md).
 */
import { NET_ERRORS, NET_MAX_FRAME, NET_STAT, NET_STATUS_NEEDS_RESET } from '../core/abi.js';
import type { Guest } from '../core/hypervisor.js';
import { formatMac, parseMac, type MacAddress } from './mac.js';

export interface NicStats {
  /** frames and bytes the guest sent (taken by the card from its transmit queue) */
  readonly txFrames: number;
  readonly txBytes: number;
  /** frames and bytes the card put into the guest's receive buffers */
  readonly rxFrames: number;
  readonly rxBytes: number;
  /** frames the card dropped: its receive queue was full, or the guest's buffer too small */
  readonly rxDropped: number;
  /** the virtio device status register (0x40: DEVICE_NEEDS_RESET) */
  readonly status: number;
  /** times the guest handed the card a malformed virtqueue */
  readonly errors: number;
  /** what was malformed the last time, e.g. 'descriptor outside RAM' ('none' if never) */
  readonly lastError: string;
}

export class GuestNic {
  private macBytes: Uint8Array = new Uint8Array(6);

  constructor(readonly guest: Guest) {}

  private get core() {
    return this.guest.hypervisor.core;
  }

  /** The MAC the card reports to the guest. Set it before the guest's driver reads it. */
  get mac(): string {
    return formatMac(this.macBytes);
  }

  setMac(mac: MacAddress): void {
    const b = parseMac(mac);
    this.macBytes = b;
    const lo = (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
    this.core.guestNetSetMac(this.guest.handle, lo, b[4]! | (b[5]! << 8));
  }

  /** Whether the guest sent frames that the host has not taken yet. */
  get hasFrames(): boolean {
    return (this.core.guestNetTxLen(this.guest.handle) >>> 0) > 0;
  }

  /**
   * Takes every frame the guest sent since the last call (at most the core's 12 KiB queue), and
   * lets the card take more from the guest. Each frame is a copy.
   */
  takeFrames(): Uint8Array[] {
    const h = this.guest.handle;
    const len = this.core.guestNetTxLen(h) >>> 0;
    if (len === 0) return [];
    const ptr = this.core.guestNetTxPtr(h) >>> 0;
    const mem = new Uint8Array(this.core.memory.buffer, ptr, len);
    const view = new DataView(this.core.memory.buffer, ptr, len);
    const out: Uint8Array[] = [];
    for (let at = 0; at + 4 <= len; ) {
      const n = view.getUint32(at, true);
      if (n > NET_MAX_FRAME || at + 4 + n > len) break;
      out.push(mem.slice(at + 4, at + 4 + n));
      at += (4 + n + 3) & ~3;
    }
    this.core.guestNetTxClear(h);
    return out;
  }

  /** Whether a frame of `bytes` fits in the card's receive queue now. */
  hasRoom(bytes: number): boolean {
    return (this.core.guestNetRxRoom(this.guest.handle) >>> 0) >= ((16 + bytes + 3) & ~3);
  }

  /**
   * Gives the guest one frame (14..1518 bytes). Returns false, without counting a drop, when the
   * card's receive queue has no room now; a frame of a bad size is dropped by the card (true).
   */
  deliver(frame: Uint8Array): boolean {
    const h = this.guest.handle;
    if (frame.length >= 14 && frame.length <= NET_MAX_FRAME && !this.hasRoom(frame.length)) return false;
    const n = Math.min(frame.length, NET_MAX_FRAME);
    new Uint8Array(this.core.memory.buffer, this.core.guestNetRxMailbox(h) >>> 0, n).set(frame.subarray(0, n));
    this.core.guestNetRxPush(h, frame.length);
    return true;
  }

  stats(): NicStats {
    const h = this.guest.handle;
    const s = (i: number) => this.core.guestNetStat(h, i) >>> 0;
    return {
      txFrames: s(NET_STAT.txFrames),
      txBytes: s(NET_STAT.txBytes),
      rxFrames: s(NET_STAT.rxFrames),
      rxBytes: s(NET_STAT.rxBytes),
      rxDropped: s(NET_STAT.rxDropped),
      status: s(NET_STAT.status),
      errors: s(NET_STAT.errors),
      lastError: NET_ERRORS[s(NET_STAT.lastError)] ?? `error ${s(NET_STAT.lastError)}`,
    };
  }

  /** The card met a malformed virtqueue and does nothing until the guest's driver resets it. */
  get needsReset(): boolean {
    return ((this.core.guestNetStat(this.guest.handle, NET_STAT.status) >>> 0) & NET_STATUS_NEEDS_RESET) !== 0;
  }
}
