// virtio-net behind the first virtio-mmio transport (0x1000_1000, PLIC source 1): virtio-mmio
// version 2 (VIRTIO 1.x "modern"), split virtqueues, receiveq 0 and transmitq 1, features
// VIRTIO_NET_F_MAC and VIRTIO_F_VERSION_1 only (no checksum offload, no GSO, no mergeable
// buffers, no indirect descriptors, no event index). What QEMU 7.2's `virtio-net-device` shows
// a driver with `-global virtio-mmio.force-legacy=false`.
//
// Frames leave the core through host-visible queues in the guest's control block (docs/network.md):
//   TX  0x2000..0x5000  records [u32 length][frame, padded to 4 bytes] appended by the device;
//                       the host takes them all (guestNetTxPtr/Len) and clears (guestNetTxClear),
//                       which lets the device take more from the transmitq. While the queue is
//                       full, the guest's frames wait in its own ring: a guest that floods only
//                       slows itself.
//   RX  0x5000..0x7a00  records [u32 length][12-byte virtio-net header][frame, padded], filled by
//                       guestNetRxPush from the mailbox, consumed into the receiveq's buffers;
//                       a push that does not fit is dropped and counted.
//   mailbox 0x7a00..0x8000  where the host writes one frame before guestNetRxPush.
//
// Every ring and buffer address the guest gives is checked against its RAM (ramSpan: the whole
// range, high word 0) and reached through the page map (pageForRead/pageForWrite), one page at a
// time. Anything malformed (a queue size that is not a power of 2 or too big, rings or buffers
// outside RAM or misaligned, a chain that loops or is longer than the queue, a descriptor of the
// wrong direction or indirect, an available index that jumps past the queue, a bad header or
// frame size) puts the device into DEVICE_NEEDS_RESET (status 0x40) with a configuration-change
// interrupt and counts an exit; the device then does nothing until the driver resets it. See
// ISOLATION.md.

import { gBlock, gRamSize } from "../guests";
import { RAM_BASE } from "../layout";
import { pageForRead, pageForWrite } from "../ram";
import { CHECK_VIRTIO_DMA, checkBlock, checkRam, checkRamWrite } from "../checked";
import {
  countExit, EXIT_VNET_CONFIG, EXIT_VNET_IRQ, EXIT_VNET_NEEDS_RESET, EXIT_VNET_NOTIFY_RX, EXIT_VNET_NOTIFY_TX,
} from "../exits";
import { irqUpdate } from "./plic";

export const VNET_IRQ: u32 = 1;

// ---- state in the control block ("vnet" snapshot section: 0x700..0x800) ----
export const VNET_STATE: u32 = 0x700;
export const VNET_STATE_SIZE: u32 = 0x100;
const N_STATUS: u32 = 0x700;
const N_DEV_FEAT_SEL: u32 = 0x704;
const N_DRV_FEAT_SEL: u32 = 0x708;
const N_DRV_FEAT_LO: u32 = 0x70c;
const N_DRV_FEAT_HI: u32 = 0x710;
const N_QUEUE_SEL: u32 = 0x714;
const N_INT_STATUS: u32 = 0x718;
const N_CONFIG_GEN: u32 = 0x71c;
const N_MAC: u32 = 0x720; // 6 bytes, set by the host
const N_LAST_ERROR: u32 = 0x728; // ERR_* of the last time the device needed a reset
const N_QUEUES: u32 = 0x740; // 2 queues x Q_STRIDE
const Q_STRIDE: u32 = 0x30;
const Q_NUM: u32 = 0x00;
const Q_READY: u32 = 0x04;
const Q_DESC: u32 = 0x08; // lo, hi
const Q_AVAIL: u32 = 0x10; // lo, hi
const Q_USED: u32 = 0x18; // lo, hi
const Q_LAST_AVAIL: u32 = 0x20;
const Q_USED_IDX: u32 = 0x24;
// statistics (u32, wrapping): index i of guestNetStat is at N_STATS + 4 i
const N_STATS: u32 = 0x7a0;
export const STAT_STATUS: u32 = 0; // read from N_STATUS
export const STAT_INT_STATUS: u32 = 1; // N_INT_STATUS
export const STAT_TX_FRAMES: u32 = 2;
export const STAT_RX_FRAMES: u32 = 3;
export const STAT_RX_DROPPED: u32 = 4;
export const STAT_LAST_ERROR: u32 = 5;
export const STAT_ERRORS: u32 = 6;
export const STAT_TX_BYTES: u32 = 7;
export const STAT_RX_BYTES: u32 = 8;
export const STAT_COUNT: u32 = 9;
// host queues' indices
const N_TX_LEN: u32 = 0x7e0;
const N_RX_HEAD: u32 = 0x7e4;
const N_RX_TAIL: u32 = 0x7e8;

export const TX_BUF: u32 = 0x2000;
export const TX_CAP: u32 = 0x3000;
export const RX_BUF: u32 = 0x5000;
export const RX_CAP: u32 = 0x2a00;
export const MAILBOX: u32 = 0x7a00;
export const MAILBOX_CAP: u32 = 0x600;

/** The largest frame either way: 1500 bytes of payload, an Ethernet header and a VLAN tag. */
export const MAX_FRAME: u32 = 1518;
const MIN_FRAME: u32 = 14;
const HDR: u32 = 12; // struct virtio_net_hdr with num_buffers (VIRTIO_F_VERSION_1)
const QUEUE_MAX: u32 = 256;

// status bits
const S_ACKNOWLEDGE: u32 = 1;
const S_DRIVER: u32 = 2;
const S_DRIVER_OK: u32 = 4;
const S_FEATURES_OK: u32 = 8;
export const S_NEEDS_RESET: u32 = 0x40;
// features
const F_MAC: u32 = 1 << 5; // word 0
const F_VERSION_1_HI: u32 = 1; // bit 32
// descriptor flags
const D_NEXT: u32 = 1;
const D_WRITE: u32 = 2;
const D_INDIRECT: u32 = 4;
const AVAIL_NO_INTERRUPT: u32 = 1;

// Why the device needed a reset (guestNetStat(h, STAT_LAST_ERROR)).
export const ERR_QUEUE_SIZE: u32 = 1;
export const ERR_RING_RANGE: u32 = 2;
export const ERR_DESC_RANGE: u32 = 3;
export const ERR_CHAIN_LOOP: u32 = 4;
export const ERR_CHAIN_NEXT: u32 = 5;
export const ERR_DIRECTION: u32 = 6;
export const ERR_INDIRECT: u32 = 7;
export const ERR_AVAIL_IDX: u32 = 8;
export const ERR_HEAD: u32 = 9;
export const ERR_BAD_HEADER: u32 = 10;
export const ERR_FRAME_SIZE: u32 = 11;

const NOT_RAM: u32 = 0xffff_ffff;

@inline function r32(off: u32): u32 {
  return load<u32>(gBlock + off);
}
@inline function w32(off: u32, v: u32): void {
  store<u32>(gBlock + off, v);
}
@inline function qbase(q: u32): u32 {
  return N_QUEUES + q * Q_STRIDE;
}

function bump(stat: u32, n: u32): void {
  w32(N_STATS + (stat << 2), r32(N_STATS + (stat << 2)) + n);
}

/** Power-on reset: the driver's side goes; the MAC, statistics and host queues stay. */
export function vnetReset(): void {
  driverReset();
}

function driverReset(): void {
  w32(N_STATUS, 0);
  w32(N_DEV_FEAT_SEL, 0);
  w32(N_DRV_FEAT_SEL, 0);
  w32(N_DRV_FEAT_LO, 0);
  w32(N_DRV_FEAT_HI, 0);
  w32(N_QUEUE_SEL, 0);
  w32(N_INT_STATUS, 0);
  memory.fill(gBlock + N_QUEUES, 0, 2 * Q_STRIDE);
}

export function vnetIrqLevel(): bool {
  return r32(N_INT_STATUS) != 0;
}

function raiseIrq(bit: u32): void {
  const s = r32(N_INT_STATUS);
  if ((s & bit) == 0) {
    w32(N_INT_STATUS, s | bit);
    countExit(EXIT_VNET_IRQ);
    irqUpdate();
  }
}

function needsReset(err: u32): void {
  w32(N_LAST_ERROR, err);
  bump(STAT_ERRORS, 1);
  const s = r32(N_STATUS);
  if ((s & S_NEEDS_RESET) != 0) return;
  w32(N_STATUS, s | S_NEEDS_RESET);
  w32(N_CONFIG_GEN, r32(N_CONFIG_GEN) + 1);
  countExit(EXIT_VNET_NEEDS_RESET);
  raiseIrq(2);
}

// ---- guest RAM, checked: every address the guest gave goes through here ----

/** RAM offset of [lo, lo + len) when all of it is guest RAM (and hi is 0), else NOT_RAM. */
function ramSpan(lo: u32, hi: u32, len: u32): u32 {
  const off = lo - RAM_BASE;
  if (hi != 0 || off >= gRamSize) return NOT_RAM;
  // build/minivisor-*-vnetbug.wasm forgets the length: the bug the checked core and
  // fuzz/virtio.mjs must catch.
  if (!isDefined(BUG_VIRTIO_BOUNDS) && len > gRamSize - off) return NOT_RAM;
  return off;
}

// Ring fields are naturally aligned (the ring bases are checked for alignment), so each lies in
// one page.
function rd16(off: u32): u32 {
  const h = pageForRead(off) + (off & 0xfff);
  checkRam(CHECK_VIRTIO_DMA, h, 2);
  return <u32>load<u16>(h);
}
function rd32(off: u32): u32 {
  const h = pageForRead(off) + (off & 0xfff);
  checkRam(CHECK_VIRTIO_DMA, h, 4);
  return load<u32>(h);
}
function wr16(off: u32, v: u32): void {
  const h = pageForWrite(off) + (off & 0xfff);
  checkRamWrite(CHECK_VIRTIO_DMA, h, 2);
  store<u16>(h, <u16>v);
}
function wr32(off: u32, v: u32): void {
  const h = pageForWrite(off) + (off & 0xfff);
  checkRamWrite(CHECK_VIRTIO_DMA, h, 4);
  store<u32>(h, v);
}

/** Copies RAM [off, off + n) to host address dst (inside the control block), page by page. */
function fromRam(dst: u32, off: u32, n: u32): void {
  checkBlock(dst, n);
  while (n > 0) {
    const o = off & 0xfff;
    const chunk = min(n, 0x1000 - o);
    const h = pageForRead(off) + o;
    checkRam(CHECK_VIRTIO_DMA, h, chunk);
    memory.copy(dst, h, chunk);
    dst += chunk;
    off += chunk;
    n -= chunk;
  }
}

/** Copies n bytes from host address src (inside the control block) to RAM at off, page by page. */
function toRam(off: u32, src: u32, n: u32): void {
  checkBlock(src, n);
  while (n > 0) {
    const o = off & 0xfff;
    const chunk = min(n, 0x1000 - o);
    const h = pageForWrite(off) + o;
    checkRamWrite(CHECK_VIRTIO_DMA, h, chunk);
    memory.copy(h, src, chunk);
    src += chunk;
    off += chunk;
    n -= chunk;
  }
}

// ---- queues ----

function queueLive(q: u32): bool {
  const s = r32(N_STATUS);
  if ((s & S_DRIVER_OK) == 0 || (s & S_NEEDS_RESET) != 0 || r32(qbase(q) + Q_READY) == 0) return false;
  // The rings were checked when the queue was enabled; a restored snapshot could say anything,
  // so check the stored offsets again (cheap) before any use.
  const b = qbase(q);
  const num = r32(b + Q_NUM);
  if (
    num == 0 || num > QUEUE_MAX || (num & (num - 1)) != 0 ||
    ramSpan(RAM_BASE + r32(b + Q_DESC), 0, num << 4) == NOT_RAM ||
    ramSpan(RAM_BASE + r32(b + Q_AVAIL), 0, 6 + (num << 1)) == NOT_RAM ||
    ramSpan(RAM_BASE + r32(b + Q_USED), 0, 6 + (num << 3)) == NOT_RAM ||
    ((r32(b + Q_DESC) & 15) | (r32(b + Q_AVAIL) & 1) | (r32(b + Q_USED) & 3)) != 0
  ) {
    needsReset(ERR_RING_RANGE);
    return false;
  }
  return true;
}

/** The host queues' indices as a restored snapshot may have them: out of range empties them. */
function hostQueuesSane(): void {
  if (r32(N_TX_LEN) > TX_CAP) w32(N_TX_LEN, 0);
  const head = r32(N_RX_HEAD);
  const tail = r32(N_RX_TAIL);
  if (tail > RX_CAP || head > tail || (head & 3) != 0) {
    w32(N_RX_HEAD, 0);
    w32(N_RX_TAIL, 0);
  }
}

/** The driver sets QueueReady: the size and the three rings must be sane and inside RAM. */
function enableQueue(q: u32): void {
  const b = qbase(q);
  const num = r32(b + Q_NUM);
  if (num == 0 || num > QUEUE_MAX || (num & (num - 1)) != 0) {
    needsReset(ERR_QUEUE_SIZE);
    return;
  }
  const desc = ramSpan(r32(b + Q_DESC), r32(b + Q_DESC + 4), num << 4);
  const avail = ramSpan(r32(b + Q_AVAIL), r32(b + Q_AVAIL + 4), 6 + (num << 1));
  const used = ramSpan(r32(b + Q_USED), r32(b + Q_USED + 4), 6 + (num << 3));
  if (desc == NOT_RAM || avail == NOT_RAM || used == NOT_RAM || (desc & 15) != 0 || (avail & 1) != 0 || (used & 3) != 0) {
    needsReset(ERR_RING_RANGE);
    return;
  }
  // From here on the rings are kept as RAM offsets.
  w32(b + Q_DESC, desc);
  w32(b + Q_AVAIL, avail);
  w32(b + Q_USED, used);
  w32(b + Q_LAST_AVAIL, 0);
  w32(b + Q_USED_IDX, 0);
  w32(b + Q_READY, 1);
}

// The chain walkChain checked last: how many descriptors, their total length.
let chainLen: u32 = 0;
let chainTotal: u32 = 0;
// One descriptor, as descAt read it (the buffer as a RAM offset, NOT_RAM when outside RAM).
let dOff: u32 = 0;
let dLen: u32 = 0;
let dFlags: u32 = 0;
let dNext: u32 = 0;

function descAt(desc: u32, i: u32): void {
  const d = desc + (i << 4);
  dLen = rd32(d + 8);
  dOff = ramSpan(rd32(d), rd32(d + 4), dLen);
  dFlags = rd16(d + 12);
  dNext = rd16(d + 14);
}

/**
 * The next available chain of queue q: its head index, or -1 when none is available, or -2 when
 * the device now needs a reset. Every descriptor is checked to lie in RAM and to have the
 * direction `write` asks for; chainLen and chainTotal describe it.
 */
function walkChain(q: u32, write: bool): i32 {
  const b = qbase(q);
  const num = r32(b + Q_NUM);
  const avail = r32(b + Q_AVAIL);
  const last = r32(b + Q_LAST_AVAIL);
  const pending = (rd16(avail + 2) - last) & 0xffff;
  if (pending == 0) return -1;
  if (pending > num) {
    needsReset(ERR_AVAIL_IDX);
    return -2;
  }
  const head = rd16(avail + 4 + ((last & (num - 1)) << 1));
  if (head >= num) {
    needsReset(ERR_HEAD);
    return -2;
  }
  const desc = r32(b + Q_DESC);
  let i = head;
  let n: u32 = 0;
  let total: u32 = 0;
  while (true) {
    if (n >= num) {
      needsReset(ERR_CHAIN_LOOP); // a loop, or longer than the queue
      return -2;
    }
    descAt(desc, i);
    if ((dFlags & D_INDIRECT) != 0) {
      needsReset(ERR_INDIRECT);
      return -2;
    }
    if (((dFlags & D_WRITE) != 0) != write) {
      needsReset(ERR_DIRECTION);
      return -2;
    }
    if (dOff == NOT_RAM) {
      needsReset(ERR_DESC_RANGE);
      return -2;
    }
    n++;
    // Lengths are at most the RAM size (1 GiB) each; saturate so that a long chain cannot wrap.
    total = total + dLen < total ? 0xffff_ffff : total + dLen;
    if ((dFlags & D_NEXT) == 0) break;
    i = dNext;
    if (i >= num) {
      needsReset(ERR_CHAIN_NEXT);
      return -2;
    }
  }
  chainLen = n;
  chainTotal = total;
  return <i32>head;
}

/**
 * Copies between the chain walkChain just accepted (head) and host memory at `host`: `n` bytes
 * in chain order, from RAM (TX) or to RAM (RX). The descriptors are read again, as checked.
 */
function copyChain(q: u32, head: u32, host: u32, n: u32, toGuest: bool): void {
  const desc = r32(qbase(q) + Q_DESC);
  let i = head;
  for (let k: u32 = 0; k < chainLen && n > 0; k++) {
    descAt(desc, i);
    if (dOff == NOT_RAM) return; // cannot happen: walkChain checked it
    const c = min(n, dLen);
    if (toGuest) toRam(dOff, host, c);
    else fromRam(host, dOff, c);
    host += c;
    n -= c;
    i = dNext;
  }
}

/** Hands chain `head` back to the driver in queue q's used ring with `len` bytes written. */
function putUsed(q: u32, head: u32, len: u32): void {
  const b = qbase(q);
  const num = r32(b + Q_NUM);
  const used = r32(b + Q_USED);
  const idx = r32(b + Q_USED_IDX);
  const e = used + 4 + ((idx & (num - 1)) << 3);
  wr32(e, head);
  wr32(e + 4, len);
  w32(b + Q_USED_IDX, (idx + 1) & 0xffff);
  wr16(used + 2, (idx + 1) & 0xffff);
  w32(b + Q_LAST_AVAIL, (r32(b + Q_LAST_AVAIL) + 1) & 0xffff);
}

function notifyUsed(q: u32): void {
  if ((rd16(r32(qbase(q) + Q_AVAIL)) & AVAIL_NO_INTERRUPT) == 0) raiseIrq(1);
}

/** Takes frames from the transmitq into the host's TX queue while they fit. */
function processTx(): void {
  if (!queueLive(1)) return;
  let sent = false;
  while (true) {
    const head = walkChain(1, false);
    if (head < 0) break;
    const total = chainTotal;
    if (total < HDR) {
      needsReset(ERR_BAD_HEADER);
      break;
    }
    if (total - HDR < MIN_FRAME || total - HDR > MAX_FRAME) {
      needsReset(ERR_FRAME_SIZE);
      break;
    }
    hostQueuesSane();
    const txLen = r32(N_TX_LEN);
    const rec = (4 + total + 3) & ~3;
    if (txLen + rec > TX_CAP) break; // the host drains it, then guestNetTxClear goes on
    // Gather header + frame right after the record's length word, check the header, then move
    // the frame over it.
    copyChain(1, <u32>head, gBlock + TX_BUF + txLen + 4, total, false);
    const hdr = gBlock + TX_BUF + txLen + 4;
    // flags (no VIRTIO_NET_F_CSUM: NEEDS_CSUM is not allowed) and gso_type (no GSO offered)
    if ((load<u8>(hdr) & 1) != 0 || load<u8>(hdr + 1) != 0) {
      needsReset(ERR_BAD_HEADER);
      break;
    }
    const flen = total - HDR;
    memory.copy(hdr, hdr + HDR, flen);
    w32(TX_BUF + txLen, flen);
    w32(N_TX_LEN, txLen + ((4 + flen + 3) & ~3));
    putUsed(1, <u32>head, 0);
    bump(STAT_TX_FRAMES, 1);
    bump(STAT_TX_BYTES, flen);
    sent = true;
  }
  if (sent) notifyUsed(1);
}

/** Moves frames from the host's RX queue into the receiveq's buffers while there are some. */
function deliverRx(): void {
  if (!queueLive(0)) return;
  hostQueuesSane();
  let got = false;
  while (r32(N_RX_HEAD) < r32(N_RX_TAIL)) {
    const at = r32(N_RX_HEAD);
    const flen = r32(RX_BUF + at);
    const n = HDR + flen;
    const next = at + ((4 + n + 3) & ~3);
    if (flen > MAX_FRAME || next > r32(N_RX_TAIL)) {
      w32(N_RX_HEAD, r32(N_RX_TAIL)); // not a record (a corrupt snapshot): drop the rest
      break;
    }
    const head = walkChain(0, true);
    if (head < 0) break;
    if (chainTotal < n) {
      // A buffer too small for the frame (the driver did not provide for a full frame): the frame
      // is dropped, the buffer stays with the device.
      bump(STAT_RX_DROPPED, 1);
      w32(N_RX_HEAD, next);
      continue;
    }
    copyChain(0, <u32>head, gBlock + RX_BUF + at + 4, n, true);
    putUsed(0, <u32>head, n);
    w32(N_RX_HEAD, next);
    bump(STAT_RX_FRAMES, 1);
    bump(STAT_RX_BYTES, flen);
    got = true;
  }
  if (r32(N_RX_HEAD) >= r32(N_RX_TAIL)) {
    w32(N_RX_HEAD, 0);
    w32(N_RX_TAIL, 0);
  }
  if (got) notifyUsed(0);
}

// ---- MMIO (the bus passes offsets inside slot 0) ----

function configByte(i: u32): u32 {
  return i < 6 ? <u32>load<u8>(gBlock + N_MAC + i) : 0;
}

export function vnetRead(reg: u32, size: u32): u32 {
  if (reg >= 0x100) {
    countExit(EXIT_VNET_CONFIG);
    const i = reg - 0x100;
    let v: u32 = 0;
    for (let k: u32 = 0; k < size; k++) v |= configByte(i + k) << (k << 3);
    return v;
  }
  if (size != 4) return 0;
  const q = r32(N_QUEUE_SEL);
  switch (reg) {
    case 0x000: return 0x7472_6976; // "virt"
    case 0x004: return 2; // modern transport
    case 0x008: return 1; // network card
    case 0x00c: return 0x554d_4551; // "QEMU"
    case 0x010: {
      const sel = r32(N_DEV_FEAT_SEL);
      return sel == 0 ? F_MAC : sel == 1 ? F_VERSION_1_HI : 0;
    }
    case 0x034: return q < 2 ? QUEUE_MAX : 0;
    case 0x044: return q < 2 ? r32(qbase(q) + Q_READY) : 0;
    case 0x060: return r32(N_INT_STATUS);
    case 0x070: return r32(N_STATUS);
    case 0x0fc: return r32(N_CONFIG_GEN);
    default: return 0;
  }
}

export function vnetWrite(reg: u32, size: u32, v: u32): void {
  if (reg >= 0x100) {
    countExit(EXIT_VNET_CONFIG); // the MAC is read-only for a modern driver
    return;
  }
  if (size != 4) return;
  const q = r32(N_QUEUE_SEL);
  switch (reg) {
    case 0x014: w32(N_DEV_FEAT_SEL, v); break;
    case 0x020: {
      if ((r32(N_STATUS) & S_FEATURES_OK) != 0) break;
      const sel = r32(N_DRV_FEAT_SEL);
      if (sel == 0) w32(N_DRV_FEAT_LO, v);
      else if (sel == 1) w32(N_DRV_FEAT_HI, v);
      break;
    }
    case 0x024: w32(N_DRV_FEAT_SEL, v); break;
    case 0x030: w32(N_QUEUE_SEL, v); break;
    case 0x038:
      if (q < 2 && r32(qbase(q) + Q_READY) == 0) w32(qbase(q) + Q_NUM, v);
      break;
    case 0x044:
      if (q < 2) {
        if (v == 0) w32(qbase(q) + Q_READY, 0);
        else if (r32(qbase(q) + Q_READY) == 0 && (r32(N_STATUS) & S_NEEDS_RESET) == 0) enableQueue(q);
      }
      break;
    case 0x050:
      if (v == 0) {
        countExit(EXIT_VNET_NOTIFY_RX);
        deliverRx();
      } else if (v == 1) {
        countExit(EXIT_VNET_NOTIFY_TX);
        processTx();
      }
      break;
    case 0x064:
      w32(N_INT_STATUS, r32(N_INT_STATUS) & ~v);
      irqUpdate();
      break;
    case 0x070: writeStatus(v); break;
    case 0x080: case 0x084: case 0x090: case 0x094: case 0x0a0: case 0x0a4:
      if (q < 2 && r32(qbase(q) + Q_READY) == 0) w32(qbase(q) + Q_DESC + (reg - 0x080) / 0x10 * 8 + (reg & 4), v);
      break;
    default: break;
  }
}

function writeStatus(v: u32): void {
  if (v == 0) {
    driverReset();
    irqUpdate();
    return;
  }
  const old = r32(N_STATUS);
  let s = (v & 0xff & ~S_NEEDS_RESET) | (old & S_NEEDS_RESET);
  if ((s & S_FEATURES_OK) != 0 && (old & S_FEATURES_OK) == 0) {
    // Only what was offered, and the modern interface itself.
    const ok = (r32(N_DRV_FEAT_LO) & ~F_MAC) == 0 && r32(N_DRV_FEAT_HI) == F_VERSION_1_HI;
    if (!ok) s &= ~S_FEATURES_OK;
  }
  w32(N_STATUS, s);
  if ((s & S_DRIVER_OK) != 0 && (old & S_DRIVER_OK) == 0) {
    processTx();
    deliverRx();
  }
}

// ---- the host's side (index.ts exports switch the guest in first) ----

export function vnetSetMac(lo: u32, hi: u32): void {
  store<u32>(gBlock + N_MAC, lo);
  store<u16>(gBlock + N_MAC + 4, <u16>hi);
}

export function vnetStat(i: u32): u32 {
  if (i == STAT_STATUS) return r32(N_STATUS);
  if (i == STAT_INT_STATUS) return r32(N_INT_STATUS);
  if (i == STAT_LAST_ERROR) return r32(N_LAST_ERROR);
  if (i < STAT_COUNT) return r32(N_STATS + (i << 2));
  return 0;
}

export function vnetTxPtr(): u32 {
  return gBlock + TX_BUF;
}

export function vnetTxLen(): u32 {
  hostQueuesSane();
  return r32(N_TX_LEN);
}

/** The host took the TX queue: the device may take more frames from the transmitq. */
export function vnetTxClear(): void {
  w32(N_TX_LEN, 0);
  processTx();
}

export function vnetMailbox(): u32 {
  return gBlock + MAILBOX;
}

/** Bytes a frame may still take in the RX queue (a frame of n bytes needs n + 16, rounded up to 4). */
export function vnetRxRoom(): u32 {
  return RX_CAP - r32(N_RX_TAIL);
}

/** Queues the frame of `len` bytes in the mailbox for the guest: 1, or 0 when it is dropped. */
export function vnetRxPush(len: u32): u32 {
  if (len < MIN_FRAME || len > MAX_FRAME) {
    bump(STAT_RX_DROPPED, 1);
    return 0;
  }
  hostQueuesSane();
  let head = r32(N_RX_HEAD);
  let tail = r32(N_RX_TAIL);
  const rec = (4 + HDR + len + 3) & ~3;
  if (tail + rec > RX_CAP && head > 0) {
    // Move what waits to the front.
    memory.copy(gBlock + RX_BUF, gBlock + RX_BUF + head, tail - head);
    tail -= head;
    head = 0;
    w32(N_RX_HEAD, 0);
    w32(N_RX_TAIL, tail);
  }
  if (tail + rec > RX_CAP) {
    bump(STAT_RX_DROPPED, 1);
    return 0;
  }
  const p = gBlock + RX_BUF + tail;
  checkBlock(p, rec);
  store<u32>(p, len);
  memory.fill(p + 4, 0, HDR);
  store<u16>(p + 4 + 10, 1); // num_buffers
  memory.copy(p + 4 + HDR, gBlock + MAILBOX, len);
  w32(N_RX_TAIL, tail + rec);
  deliverRx();
  return 1;
}
