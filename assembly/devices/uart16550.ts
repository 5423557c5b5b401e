// ns16550a UART at 0x1000_0000, PLIC source 10: the guest's console.
//
// Registers and interrupt identification behave as a 16550A with FIFOs, the way Linux's 8250
// driver and QEMU's model expect. Transmission is instantaneous into a bounded output buffer
// that the host drains; when it is full the transmitter reports busy (LSR.THRE = 0) and the run
// stops with STOP_OUTPUT_FULL so that the host can drain it. Input comes from a bounded ring
// the host fills; it doubles as the receive FIFO.

import { gBlock } from "../guests";
import { irqUpdate } from "./plic";
import { requestStop, STOP_OUTPUT_FULL } from "../stop";
import { checkBlock } from "../checked";

export const UART_BASE: u32 = 0x1000_0000;
export const UART_SIZE: u32 = 0x100;
export const UART_IRQ: u32 = 10;

// state in the control block
const U_IER: u32 = 0x400;
const U_FCR: u32 = 0x401;
const U_LCR: u32 = 0x402;
const U_MCR: u32 = 0x403;
const U_LSR_ERR: u32 = 0x404; // sticky error bits (overrun)
const U_SCR: u32 = 0x405;
const U_DLL: u32 = 0x406;
const U_DLM: u32 = 0x407;
const U_THR_IPENDING: u32 = 0x408;
const U_IN_HEAD: u32 = 0x40c; // ring read index
const U_IN_COUNT: u32 = 0x410;
const U_OUT_LEN: u32 = 0x414;

export const IN_RING: u32 = 0x1000;
export const IN_CAP: u32 = 0x1000;
const FIFO_SIZE: u32 = 16;
export const OUT_BUF: u32 = 0x8000;
export const OUT_CAP: u32 = 0x8000;

const LSR_DR: u32 = 0x01;
const LSR_OE: u32 = 0x02;
const LSR_THRE: u32 = 0x20;
const LSR_TEMT: u32 = 0x40;
const IER_RDI: u32 = 0x01;
const IER_THRI: u32 = 0x02;
const IER_RLSI: u32 = 0x04;
const IER_MSI: u32 = 0x08;
const IIR_NO_INT: u32 = 0x01;
const IIR_THRI: u32 = 0x02;
const IIR_RDI: u32 = 0x04;
const IIR_RLSI: u32 = 0x06;
const MCR_LOOP: u32 = 0x10;
const LCR_DLAB: u32 = 0x80;

@inline function b(off: u32): u32 {
  return load<u8>(gBlock + off);
}
@inline function setb(off: u32, v: u32): void {
  store<u8>(gBlock + off, <u8>v);
}

/** Drops the console input the guest has not read yet (the host's side of the wire, e.g. on a user's Reset). */
export function uartHostInClear(): void {
  store<u32>(gBlock + U_IN_HEAD, 0);
  store<u32>(gBlock + U_IN_COUNT, 0);
  irqUpdate();
}

export function uartReset(): void {
  setb(U_IER, 0);
  setb(U_FCR, 0);
  setb(U_LCR, 0);
  setb(U_MCR, 0);
  setb(U_LSR_ERR, 0);
  setb(U_SCR, 0);
  setb(U_DLL, 0x0c); // 9600 baud from a 1.8432 MHz clock, as QEMU resets it
  setb(U_DLM, 0);
  setb(U_THR_IPENDING, 0);
  // The input and output buffers are the host's side of the wire: a reset keeps them.
}

function inCount(): u32 {
  return load<u32>(gBlock + U_IN_COUNT);
}

function outLen(): u32 {
  return load<u32>(gBlock + U_OUT_LEN);
}

function lsr(): u32 {
  let v = b(U_LSR_ERR);
  if (inCount() > 0) v |= LSR_DR;
  if (outLen() < OUT_CAP) v |= LSR_THRE | LSR_TEMT;
  return v;
}

function msr(): u32 {
  const mcr = b(U_MCR);
  if (mcr & MCR_LOOP) {
    // Loopback: modem inputs follow the modem outputs (DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD).
    return ((mcr & 1) << 5) | ((mcr & 2) << 3) | ((mcr & 4) << 4) | ((mcr & 8) << 4);
  }
  return 0xb0; // DCD, DSR, CTS: a terminal is attached
}

function interruptId(): u32 {
  const ier = b(U_IER);
  const l = lsr();
  if ((ier & IER_RLSI) != 0 && (l & LSR_OE) != 0) return IIR_RLSI;
  if ((ier & IER_RDI) != 0 && (l & LSR_DR) != 0) return IIR_RDI;
  if ((ier & IER_THRI) != 0 && b(U_THR_IPENDING) != 0) return IIR_THRI;
  return IIR_NO_INT;
}

export function uartIrqLevel(): bool {
  return interruptId() != IIR_NO_INT;
}

function pushIn(v: u32): bool {
  const n = inCount();
  if (n >= IN_CAP) {
    setb(U_LSR_ERR, b(U_LSR_ERR) | LSR_OE);
    return false;
  }
  const head = load<u32>(gBlock + U_IN_HEAD);
  checkBlock(gBlock + IN_RING + ((head + n) & (IN_CAP - 1)), 1);
  store<u8>(gBlock + IN_RING + ((head + n) & (IN_CAP - 1)), <u8>v);
  store<u32>(gBlock + U_IN_COUNT, n + 1);
  return true;
}

function popIn(): u32 {
  const n = inCount();
  if (n == 0) return 0;
  const head = load<u32>(gBlock + U_IN_HEAD);
  checkBlock(gBlock + IN_RING + head, 1);
  const v = <u32>load<u8>(gBlock + IN_RING + head);
  store<u32>(gBlock + U_IN_HEAD, (head + 1) & (IN_CAP - 1));
  store<u32>(gBlock + U_IN_COUNT, n - 1);
  return v;
}

function transmit(v: u32): void {
  if (b(U_MCR) & MCR_LOOP) {
    pushIn(v);
  } else {
    const n = outLen();
    if (n >= OUT_CAP) return; // the guest ignored THRE: the byte is lost, as on real hardware
    checkBlock(gBlock + OUT_BUF + n, 1);
  store<u8>(gBlock + OUT_BUF + n, <u8>v);
    store<u32>(gBlock + U_OUT_LEN, n + 1);
    if (n + 1 == OUT_CAP) requestStop(STOP_OUTPUT_FULL);
  }
  // The character left at once, so the holding register is empty again.
  setb(U_THR_IPENDING, outLen() < OUT_CAP ? 1 : 0);
}

export function uartRead(off: u32): u32 {
  let v: u32 = 0;
  const dlab = (b(U_LCR) & LCR_DLAB) != 0;
  switch (off) {
    case 0:
      if (dlab) v = b(U_DLL);
      else v = popIn();
      break;
    case 1:
      v = dlab ? b(U_DLM) : b(U_IER);
      break;
    case 2: {
      const id = interruptId();
      v = id | ((b(U_FCR) & 1) != 0 ? 0xc0 : 0);
      if (id == IIR_THRI) setb(U_THR_IPENDING, 0);
      break;
    }
    case 3:
      v = b(U_LCR);
      break;
    case 4:
      v = b(U_MCR);
      break;
    case 5:
      v = lsr();
      setb(U_LSR_ERR, 0);
      break;
    case 6:
      v = msr();
      break;
    case 7:
      v = b(U_SCR);
      break;
  }
  irqUpdate();
  return v;
}

export function uartWrite(off: u32, v: u32): void {
  v &= 0xff;
  const dlab = (b(U_LCR) & LCR_DLAB) != 0;
  switch (off) {
    case 0:
      if (dlab) setb(U_DLL, v);
      else transmit(v);
      break;
    case 1:
      if (dlab) {
        setb(U_DLM, v);
      } else {
        const changed = (b(U_IER) ^ v) & 0x0f;
        setb(U_IER, v & 0x0f);
        // Enabling the THRE interrupt while the transmitter is empty raises it at once: a real
        // 16550 does, and drivers (Linux's 8250 THRE test among them) rely on it.
        if (changed & IER_THRI) setb(U_THR_IPENDING, (v & IER_THRI) != 0 && (lsr() & LSR_THRE) != 0 ? 1 : 0);
      }
      break;
    case 2:
      if (v & 0x02) {
        // Clearing the receive FIFO drops what a 16550's 16-byte FIFO would hold; the rest of
        // the host's input is still "on the wire" and arrives afterwards, as typed-ahead text
        // does on a real line. (Linux clears the FIFO when it opens the console.)
        const drop = inCount() < FIFO_SIZE ? inCount() : FIFO_SIZE;
        store<u32>(gBlock + U_IN_HEAD, (load<u32>(gBlock + U_IN_HEAD) + drop) & (IN_CAP - 1));
        store<u32>(gBlock + U_IN_COUNT, inCount() - drop);
      }
      setb(U_FCR, v & 0xc9);
      break;
    case 3:
      setb(U_LCR, v);
      break;
    case 4:
      setb(U_MCR, v & 0x1f);
      break;
    case 7:
      setb(U_SCR, v);
      break;
  }
  irqUpdate();
}

// ---- host side ----

export function uartHostPush(v: u32): bool {
  if (inCount() >= IN_CAP) return false;
  pushIn(v);
  irqUpdate();
  return true;
}

export function uartHostOutPtr(): u32 {
  return gBlock + OUT_BUF;
}

export function uartHostOutLen(): u32 {
  return outLen();
}

export function uartHostOutClear(): void {
  const wasFull = outLen() >= OUT_CAP;
  store<u32>(gBlock + U_OUT_LEN, 0);
  if (wasFull && (b(U_IER) & IER_THRI) != 0) setb(U_THR_IPENDING, 1);
  irqUpdate();
}

// ---- the SBI console (DBCN and legacy putchar/getchar) shares the UART's buffers ----

/** Queues one byte of output; false when the buffer is full. */
export function uartSbiPutc(v: u32): bool {
  const n = outLen();
  if (n >= OUT_CAP) return false;
  checkBlock(gBlock + OUT_BUF + n, 1);
  store<u8>(gBlock + OUT_BUF + n, <u8>v);
  store<u32>(gBlock + U_OUT_LEN, n + 1);
  if (n + 1 == OUT_CAP) requestStop(STOP_OUTPUT_FULL);
  return true;
}

/** Next input byte, or -1 when none is waiting. */
export function uartSbiGetc(): i32 {
  if (inCount() == 0) return -1;
  const v = <i32>popIn();
  irqUpdate();
  return v;
}
