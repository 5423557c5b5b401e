/* isa-devices - the board's devices as a driver sees them: the ns16550a's
 * reset state and registers (scratch, divisor latch behind LCR.DLAB, FIFO
 * bits in IIR), the CLINT's and PLIC's writable registers, and finally the
 * SiFive test device, which this test uses directly to power off with the
 * failure count as exit code (the (code << 16) | 0x3333 form even for 0).
 * Reset values are QEMU 7.2's. */
#include "test.h"

#define UART      0x10000000
#define RBR 0
#define THR 0
#define DLL 0
#define IER 1
#define DLM 1
#define IIR 2
#define FCR 2
#define LCR 3
#define LSR 5
#define SCR 7
#define CLINT_MSIP      0x02000000
#define CLINT_MTIMECMP  0x02004000
#define CLINT_MTIME     0x0200bff8
#define PLIC_PRIO_UART  0x0c000028
#define PLIC_ENABLE0    0x0c002000
#define PLIC_THRESHOLD0 0x0c200000
#define PLIC_CLAIM0     0x0c200004
#define TEST_DEV        0x00100000

    TEST_MAIN
    /* Reset state, read before the first byte is printed */
    li      s0, UART
    lbu     s1, LSR(s0)
    lbu     s2, IIR(s0)
    lbu     s3, LCR(s0)
    lbu     s4, IER(s0)
    TEST_TITLE "isa-devices: UART, CLINT, PLIC, test device"

/* ---- UART reset state ---- */
    /* LSR = THRE | TEMT.  Bit 0 (data ready) is masked: it is 1 when input
     * is already waiting (e.g. piped into QEMU), which is not an error. */
    andi    a0, s1, 0xfe
    CHECK   a0, 0x60, "uart LSR after reset: THR and transmitter empty"
    CHECK   s2, 0x01, "uart IIR after reset: no interrupt pending"
    CHECK   s3, 0x00, "uart LCR after reset"
    CHECK   s4, 0x00, "uart IER after reset"
    lbu     a0, LSR(s0)
    andi    a0, a0, 0x60
    CHECK   a0, 0x60, "uart LSR THRE/TEMT after printing"

/* ---- scratch register ---- */
    li      a0, 0xa5
    sb      a0, SCR(s0)
    lbu     a1, SCR(s0)
    CHECK   a1, 0xa5, "uart scratch holds 0xa5"
    li      a0, 0x5a
    sb      a0, SCR(s0)
    lbu     a1, SCR(s0)
    CHECK   a1, 0x5a, "uart scratch holds 0x5a"

/* ---- divisor latch (DLAB = LCR bit 7) ----
 * While DLAB = 1, offset 0 is DLL, not THR: nothing can be printed, so the
 * values are collected in s1-s6 and checked after DLAB is cleared. */
    li      a0, 0x83            /* DLAB, 8N1 */
    sb      a0, LCR(s0)
    li      a0, 0x0c
    sb      a0, DLL(s0)
    li      a0, 0x01
    sb      a0, DLM(s0)
    lbu     s1, DLL(s0)
    lbu     s2, DLM(s0)
    lbu     s3, LCR(s0)
    li      a0, 0x03            /* DLAB off, 8N1 */
    sb      a0, LCR(s0)
    lbu     s4, IER(s0)
    lbu     s5, LCR(s0)
    li      a0, 0x83
    sb      a0, LCR(s0)
    lbu     s6, DLL(s0)
    li      a0, 0x03
    sb      a0, LCR(s0)
    CHECK   s1, 0x0c, "uart DLL reads back with DLAB=1"
    CHECK   s2, 0x01, "uart DLM reads back with DLAB=1"
    CHECK   s3, 0x83, "uart LCR reads back with DLAB"
    CHECK   s4, 0x00, "uart offset 1 is IER again with DLAB=0"
    CHECK   s5, 0x03, "uart LCR reads back 8N1"
    CHECK   s6, 0x0c, "uart DLL kept while DLAB=0"

/* ---- IER, FCR/IIR ---- */
    li      a0, 0x01
    sb      a0, IER(s0)
    lbu     a1, IER(s0)
    CHECK   a1, 0x01, "uart IER reads back"
    sb      zero, IER(s0)
    li      a0, 0x07            /* enable and clear FIFOs */
    sb      a0, FCR(s0)
    lbu     a1, IIR(s0)
    CHECK   a1, 0xc1, "uart IIR with FIFOs on: 0xc1 (16550A)"
    sb      zero, FCR(s0)
    lbu     a1, IIR(s0)
    CHECK   a1, 0x01, "uart IIR with FIFOs off: 0x01"

/* ---- CLINT ---- */
    li      t0, CLINT_MTIME
    lw      s1, 0(t0)
    li      a0, 1000
1:  addi    a0, a0, -1
    bnez    a0, 1b
    lw      s2, 0(t0)
    sub     a0, s2, s1
    srli    a0, a0, 31
    CHECK   a0, 0, "clint mtime does not go back"
    li      t0, CLINT_MTIMECMP
    li      a0, -1
    sw      a0, 4(t0)
    li      a0, 0x12345678
    sw      a0, 0(t0)
    lw      a1, 0(t0)
    CHECK   a1, 0x12345678, "clint mtimecmp low reads back"
    li      a0, 0x7edcba98
    sw      a0, 4(t0)
    lw      a1, 4(t0)
    CHECK   a1, 0x7edcba98, "clint mtimecmp high reads back"
    li      a0, -1
    sw      a0, 4(t0)
    li      t0, CLINT_MSIP
    li      a0, -1
    sw      a0, 0(t0)
    lw      a1, 0(t0)
    CHECK   a1, 1, "clint msip: only bit 0 is stored"
    sw      zero, 0(t0)
    lw      a1, 0(t0)
    CHECK   a1, 0, "clint msip cleared"

/* ---- PLIC ---- */
    li      t0, PLIC_PRIO_UART
    li      a0, 3
    sw      a0, 0(t0)
    lw      a1, 0(t0)
    CHECK   a1, 3, "plic priority of source 10 reads back"
    sw      zero, 0(t0)
    li      t0, PLIC_ENABLE0
    li      a0, 1 << 10
    sw      a0, 0(t0)
    lw      a1, 0(t0)
    CHECK   a1, 1 << 10, "plic enable bits read back"
    sw      zero, 0(t0)
    li      t0, PLIC_THRESHOLD0
    li      a0, 5
    sw      a0, 0(t0)
    lw      a1, 0(t0)
    CHECK   a1, 5, "plic threshold reads back"
    sw      zero, 0(t0)
    li      t0, PLIC_CLAIM0
    lw      a1, 0(t0)
    CHECK   a1, 0, "plic claim with nothing pending = 0"

/* ---- test device: power off with the failure count ---- */
    call    t_done
    slli    a0, a0, 16
    li      a1, 0x3333          /* "fail" with code = failures, 0 included */
    or      a0, a0, a1
    li      t0, TEST_DEV
    sw      a0, 0(t0)
    /* not reached; if the test device did not stop us, say so */
    CHECK   zero, 1, "test device did not power off"
    call    t_done
    li      a0, 99
    call    poweroff
