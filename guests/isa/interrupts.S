/* isa-interrupts - machine interrupts through a vectored mtvec: the CLINT
 * timer (mtimecmp, cause 7, vector base + 4*7), the CLINT software interrupt
 * (msip, cause 3, base + 4*3) and an external interrupt (the UART's
 * "transmitter empty" interrupt through PLIC source 10, cause 11, base + 4*11).
 * Checks mcause's interrupt bit, mip's pending bits, masking by mie and by
 * mstatus.MIE, the priority of simultaneous interrupts (MSI before MTI), and
 * that an interrupted loop finishes with the right result.
 *
 * No time values are printed: only which interrupts came, in which order. */
#include "test.h"

#define CLINT_MSIP       0x02000000
#define CLINT_MTIMECMP   0x02004000
#define CLINT_MTIME      0x0200bff8
#define PLIC_PRIO_UART   0x0c000028  /* priority of source 10 */
#define PLIC_ENABLE0     0x0c002000  /* hart 0 M-mode context enables */
#define PLIC_THRESHOLD0  0x0c200000
#define PLIC_CLAIM0      0x0c200004
#define UART_IER         0x10000001
#define MIE_MSIE  (1 << 3)
#define MIE_MTIE  (1 << 7)
#define MIE_MEIE  (1 << 11)
#define MIP_MSIP  (1 << 3)
#define MIP_MTIP  (1 << 7)
#define MIP_MEIP  (1 << 11)
#define MCAUSE_MSI  (MCAUSE_INT | 3)
#define MCAUSE_MTI  (MCAUSE_INT | 7)
#define MCAUSE_MEI  (MCAUSE_INT | 11)

/* mtimecmp = 64-bit value in hi:lo.  On RV32 the two halves are separate
 * stores; parking the high half at all ones first means no intermediate
 * value can fire early. */
.macro SET_MTIMECMP hi, lo
    li      t0, CLINT_MTIMECMP
    li      t1, -1
    sw      t1, 4(t0)
    sw      \lo, 0(t0)
    sw      \hi, 4(t0)
.endm

/* a0:a1 = mtime (lo:hi), read consistently */
.macro READ_MTIME
    li      t0, CLINT_MTIME
1:  lw      a1, 4(t0)
    lw      a0, 0(t0)
    lw      t1, 4(t0)
    bne     a1, t1, 1b
.endm

    TEST_INIT "isa-interrupts: CLINT timer, software and PLIC interrupts"

    la      a0, save_area
    csrw    mscratch, a0
    la      a0, vectors
    ori     a0, a0, 1           /* mode 1 = vectored */
    csrw    mtvec, a0
    csrr    a1, mtvec
    CHECK_REG a1, a0, "mtvec vectored mode reads back"

/* ---- mip shows pending interrupts even when nothing is enabled ---- */
    csrw    mie, zero
    csrci   mstatus, 8
    li      a0, 0
    SET_MTIMECMP a0, a0         /* mtimecmp = 0 <= mtime: timer pending */
    csrr    a0, mip
    andi    a0, a0, MIP_MTIP
    CHECK   a0, MIP_MTIP, "mip.MTIP set when mtime >= mtimecmp"
    li      a0, -1
    SET_MTIMECMP a0, a0         /* far future */
    csrr    a0, mip
    andi    a0, a0, MIP_MTIP
    CHECK   a0, 0, "mip.MTIP clears when mtimecmp moves ahead"
    li      t0, CLINT_MSIP
    li      a0, 1
    sw      a0, 0(t0)
    csrr    a0, mip
    andi    a0, a0, MIP_MSIP
    CHECK   a0, MIP_MSIP, "mip.MSIP follows CLINT msip = 1"
    li      t0, CLINT_MSIP
    lw      a0, 0(t0)
    CHECK   a0, 1, "CLINT msip reads back 1"
    sw      zero, 0(t0)
    csrr    a0, mip
    andi    a0, a0, MIP_MSIP
    CHECK   a0, 0, "mip.MSIP follows CLINT msip = 0"

/* ---- timer interrupt ---- */
    call    log_reset
    READ_MTIME
    li      a2, 1000            /* 100 us ahead */
    add     a2, a0, a2
    sltu    a3, a2, a0          /* carry into the high half */
    add     a3, a1, a3
    SET_MTIMECMP a3, a2
    li      a0, MIE_MTIE
    csrw    mie, a0
    csrsi   mstatus, 8
    /* a loop with live registers, interrupted (on QEMU) somewhere inside */
    li      s0, 0               /* sum */
    li      s1, 0               /* i */
    li      s2, 100000
1:  add     s0, s0, s1
    addi    s1, s1, 1
    bne     s1, s2, 1b
    /* if the loop was faster than the timer, wait for it (bounded) */
    li      s3, 50000000
2:  lw      a0, log_count
    bnez    a0, 3f
    addi    s3, s3, -1
    bnez    s3, 2b
3:
    csrci   mstatus, 8
    lw      a0, log_count
    CHECK   a0, 1, "timer: one interrupt taken"
    lw      a0, log + 0
    CHECK   a0, 7, "timer: entered at vector 7"
    lw      a0, log + 4
    CHECK   a0, MCAUSE_MTI, "timer: mcause = interrupt | 7"
    lw      a0, log + 8
    CHECK   a0, 0, "timer: mtval = 0"
    lw      a0, log + 12
    li      a1, 0x1888
    and     a0, a0, a1
    CHECK   a0, 0x1880, "timer: in handler MPP=M MPIE=1 MIE=0"
    csrr    a0, mip
    andi    a0, a0, MIP_MTIP
    CHECK   a0, 0, "timer: handler cleared MTIP"

    CHECK   s0, 0x2a052eb0, "timer: interrupted loop sum is right"

/* ---- software interrupt ---- */
    call    log_reset
    li      a0, MIE_MSIE
    csrw    mie, a0
    li      t0, CLINT_MSIP
    li      a0, 1
    sw      a0, 0(t0)           /* pending and enabled, but mstatus.MIE = 0 */
    li      a0, 100
5:  addi    a0, a0, -1
    bnez    a0, 5b
    lw      a0, log_count
    CHECK   a0, 0, "msip: masked while mstatus.MIE = 0"
    csrsi   mstatus, 8          /* taken right here */
    nop
    csrci   mstatus, 8
    lw      a0, log_count
    CHECK   a0, 1, "msip: taken once MIE = 1"
    lw      a0, log + 0
    CHECK   a0, 3, "msip: entered at vector 3"
    lw      a0, log + 4
    CHECK   a0, MCAUSE_MSI, "msip: mcause = interrupt | 3"
    csrr    a0, mip
    andi    a0, a0, MIP_MSIP
    CHECK   a0, 0, "msip: handler cleared MSIP"

/* ---- masking by mie, then priority: MSI is taken before MTI ---- */
    call    log_reset
    csrw    mie, zero
    li      a0, 0
    SET_MTIMECMP a0, a0         /* timer pending */
    li      t0, CLINT_MSIP
    li      a0, 1
    sw      a0, 0(t0)           /* software pending */
    csrsi   mstatus, 8
    nop
    nop
    csrci   mstatus, 8
    lw      a0, log_count
    CHECK   a0, 0, "both pending, mie = 0: nothing taken"
    li      a0, MIE_MSIE | MIE_MTIE
    csrw    mie, a0
    csrsi   mstatus, 8
    nop
    nop
    csrci   mstatus, 8
    lw      a0, log_count
    CHECK   a0, 2, "both enabled: two interrupts"
    lw      a0, log + 4
    CHECK   a0, MCAUSE_MSI, "priority: software first"
    lw      a0, log + 16 + 4
    CHECK   a0, MCAUSE_MTI, "priority: then timer"

/* ---- external interrupt: UART THR-empty through the PLIC ---- */
    call    log_reset
    csrw    mie, zero
    li      t0, PLIC_PRIO_UART
    li      a0, 1
    sw      a0, 0(t0)
    li      t0, PLIC_ENABLE0
    li      a0, 1 << 10
    sw      a0, 0(t0)
    li      t0, PLIC_THRESHOLD0
    sw      zero, 0(t0)
    li      t0, UART_IER
    li      a0, 0x02            /* THRI: THR is empty, so this fires at once */
    sb      a0, 0(t0)
    li      a0, 100             /* let the interrupt reach the hart */
6:  addi    a0, a0, -1
    bnez    a0, 6b
    csrr    a0, mip
    li      a1, MIP_MEIP
    and     a0, a0, a1
    CHECK   a0, MIP_MEIP, "external: mip.MEIP pending"
    li      a0, MIE_MEIE
    csrw    mie, a0
    csrsi   mstatus, 8
    nop
    csrci   mstatus, 8
    lw      a0, log_count
    CHECK   a0, 1, "external: one interrupt taken"
    lw      a0, log + 0
    CHECK   a0, 11, "external: entered at vector 11"
    lw      a0, log + 4
    CHECK   a0, MCAUSE_MEI, "external: mcause = interrupt | 11"
    lw      a0, claimed
    CHECK   a0, 10, "external: PLIC claim = UART (10)"
    csrr    a0, mip
    li      a1, MIP_MEIP
    and     a0, a0, a1
    CHECK   a0, 0, "external: MEIP clear after complete"
    csrw    mie, zero

/* ---- a synchronous exception in vectored mode goes to base + 0 ---- */
    TRY(ecall)
    CHECK_TRAP 11, "ecall in vectored mode uses base"

    TEST_END

/* ------------------------------------------------------------------------ */
log_reset:
    la      t0, log_count
    sw      zero, 0(t0)
    ret

/* Vector table: 4-byte jumps (no compressed c.j here), base aligned. */
    .balign 64
    .option push
    .option norvc
vectors:
    j       t_trap_handler      /* 0: exceptions */
    j       bad_vector          /* 1: SSI */
    j       bad_vector          /* 2 */
    j       msi_handler         /* 3: MSI */
    j       bad_vector          /* 4 */
    j       bad_vector          /* 5: STI */
    j       bad_vector          /* 6 */
    j       mti_handler         /* 7: MTI */
    j       bad_vector          /* 8 */
    j       bad_vector          /* 9: SEI */
    j       bad_vector          /* 10 */
    j       mei_handler         /* 11: MEI */
    .option pop

bad_vector:
    csrr    a0, mcause
    csrr    a1, mepc
    csrr    a2, mtval
    j       unexpected_trap

/* Handlers save what they use in save_area (mscratch points there). */
.macro ENTER
    csrrw   t0, mscratch, t0    /* t0 = save_area, mscratch = old t0 */
    sw      t1, 0(t0)
    sw      t2, 4(t0)
    sw      t3, 8(t0)
.endm
.macro LEAVE
    lw      t1, 0(t0)
    lw      t2, 4(t0)
    lw      t3, 8(t0)
    csrrw   t0, mscratch, t0
    mret
.endm
/* append {vector, mcause, mtval, mstatus} to log (t0 = save_area) */
.macro LOG vector
    lw      t1, log_count
    slli    t2, t1, 4
    la      t3, log
    add     t2, t2, t3
    li      t3, \vector
    sw      t3, 0(t2)
    csrr    t3, mcause
    sw      t3, 4(t2)
    csrr    t3, mtval
    sw      t3, 8(t2)
    csrr    t3, mstatus
    sw      t3, 12(t2)
    addi    t1, t1, 1
    la      t3, log_count
    sw      t1, 0(t3)
.endm

msi_handler:
    ENTER
    LOG     3
    li      t1, CLINT_MSIP
    sw      zero, 0(t1)         /* acknowledge */
    LEAVE

mti_handler:
    ENTER
    LOG     7
    li      t1, CLINT_MTIMECMP  /* acknowledge: mtimecmp = far future */
    li      t2, -1
    sw      t2, 4(t1)
    sw      t2, 0(t1)
    LEAVE

mei_handler:
    ENTER
    LOG     11
    li      t1, PLIC_CLAIM0
    lw      t2, 0(t1)           /* claim */
    la      t3, claimed
    sw      t2, 0(t3)
    li      t3, UART_IER
    sb      zero, 0(t3)         /* silence the source before completing */
    sw      t2, 0(t1)           /* complete */
    LEAVE

    .data
    .balign 4
save_area:  .space 16
log_count:  .word 0
log:        .space 16 * 8
claimed:    .word 0
