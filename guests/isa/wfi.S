/* isa-wfi - WFI wakes on a pending interrupt that mie enables, whether or not
 * mstatus.MIE lets it be taken:
 *   - MIE = 0: WFI returns, execution continues after it, no trap;
 *   - MIE = 1: the interrupt is taken with mepc = the instruction after WFI.
 * A WFI may also return early for no reason (the spec allows WFI to be a
 * NOP), so each wait is a loop that re-checks mip.  No time values are
 * printed. */
#include "test.h"

#define CLINT_MSIP       0x02000000
#define CLINT_MTIMECMP   0x02004000
#define CLINT_MTIME      0x0200bff8
#define MIP_MTIP  (1 << 7)
#define MIP_MSIP  (1 << 3)

/* mtimecmp = mtime + \ticks (64-bit) */
.macro TIMER_IN ticks
    li      t0, CLINT_MTIME
1:  lw      a1, 4(t0)
    lw      a0, 0(t0)
    lw      t1, 4(t0)
    bne     a1, t1, 1b
    li      a2, \ticks
    add     a2, a0, a2
    sltu    a3, a2, a0
    add     a3, a1, a3
    li      t0, CLINT_MTIMECMP
    li      t1, -1
    sw      t1, 4(t0)
    sw      a2, 0(t0)
    sw      a3, 4(t0)
.endm

    TEST_INIT "isa-wfi: wait for interrupt"

/* ---- MIE = 0: wake up and continue ---- */
    csrci   mstatus, 8
    li      a0, 1 << 7
    csrw    mie, a0             /* MTIE */
    TIMER_IN 5000               /* 0.5 ms */
    csrr    a0, mip
    andi    a0, a0, MIP_MTIP
    CHECK   a0, 0, "timer not pending before wfi"
    li      s1, 0               /* wfi executions, bounded */
    li      s2, 100000
    TRY(1: wfi; addi s1, s1, 1; csrr a0, mip; andi a0, a0, MIP_MTIP; bnez a0, 2f; bne s1, s2, 1b; 2:)
    CHECK_NO_TRAP "wfi with MIE=0"
    csrr    a0, mip
    andi    a0, a0, MIP_MTIP
    CHECK   a0, MIP_MTIP, "wfi with MIE=0: woke with MTIP pending"
    sltu    a0, s1, s2
    CHECK   a0, 1, "wfi with MIE=0: woke before giving up"

    /* an interrupt already pending: WFI must not sleep at all */
    li      a0, 1 << 3
    csrw    mie, a0             /* MSIE only */
    li      t0, CLINT_MSIP
    li      a0, 1
    sw      a0, 0(t0)
    TRY(wfi)
    CHECK_NO_TRAP "wfi with MSIP already pending"
    li      t0, CLINT_MSIP
    sw      zero, 0(t0)
    csrr    a0, mip
    andi    a0, a0, MIP_MSIP
    CHECK   a0, 0, "msip cleared"

/* ---- MIE = 1: the interrupt is taken, mepc is after the WFI ---- */
    la      a0, timer_handler
    csrw    mtvec, a0
    li      a0, -1
    li      t0, CLINT_MTIMECMP
    sw      a0, 4(t0)           /* timer quiet while we arm */
    li      a0, 1 << 7
    csrw    mie, a0
    TIMER_IN 5000
    la      t0, taken
    sw      zero, 0(t0)
    csrsi   mstatus, 8
    li      s1, 0
    li      s2, 100000
3:  wfi
4:  addi    s1, s1, 1
    lw      a0, taken
    bnez    a0, 5f
    bne     s1, s2, 3b
5:  csrci   mstatus, 8
    la      a0, t_trap_handler
    csrw    mtvec, a0
    lw      a0, taken
    CHECK   a0, 1, "wfi with MIE=1: interrupt taken once"
    lw      a0, taken_cause
    CHECK   a0, MCAUSE_INT | 7, "wfi with MIE=1: mcause timer"
    lw      a0, taken_epc
    la      a1, 4b
    CHECK_REG a0, a1, "wfi with MIE=1: mepc = instruction after wfi"
    csrw    mie, zero

    TEST_END

    .balign 4
timer_handler:
    csrw    mscratch, t0
    la      t0, taken
    sw      t1, 12(t0)          /* save t1 in `spare` */
    lw      t1, 0(t0)
    addi    t1, t1, 1
    sw      t1, 0(t0)
    csrr    t1, mcause
    sw      t1, 4(t0)
    csrr    t1, mepc
    sw      t1, 8(t0)
    li      t0, CLINT_MTIMECMP
    li      t1, -1
    sw      t1, 4(t0)           /* acknowledge: far future */
    la      t0, taken
    lw      t1, 12(t0)
    csrr    t0, mscratch
    mret

    .data
    .balign 4
taken:       .word 0
taken_cause: .word 0
taken_epc:   .word 0
spare:       .word 0
