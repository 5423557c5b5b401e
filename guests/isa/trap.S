/* trap.S - the ISA tests' trap handler (direct mode, installed by TEST_INIT).
 *
 * Records mcause, mtval, mepc and mstatus in t_trap, counts the trap, and
 * returns to M-mode at t_trap.resume (set by TRY), so the faulting
 * instruction is skipped without decoding its length.  A trap outside a TRY
 * (resume = 0) is a bug in the test or the CPU: report it and power off 255.
 * Clobbers t5 and t6 only. */
#include "test.h"

    .text
    .balign 4
    .globl t_trap_handler
t_trap_handler:
    la      t6, t_trap
    csrr    t5, mcause
    sw      t5, T_CAUSE(t6)
    csrr    t5, mtval
    sw      t5, T_TVAL(t6)
    csrr    t5, mepc
    sw      t5, T_EPC(t6)
    csrr    t5, mstatus
    sw      t5, T_STATUS(t6)
    lw      t5, T_COUNT(t6)
    addi    t5, t5, 1
    sw      t5, T_COUNT(t6)
    lw      t5, T_RESUME(t6)
    beqz    t5, 1f
    csrw    mepc, t5
    li      t5, 0x1800          /* MPP = M: resume in M-mode whatever trapped */
    csrs    mstatus, t5
    mret
1:  csrr    a0, mcause
    csrr    a1, mepc
    csrr    a2, mtval
    j       unexpected_trap     /* runtime.c, never returns */

/* t_check_stub: called by CHECK / CHECK_REG with a frame at sp holding
 * ra, t0 (saved by the macro) and got (64), expected (68), name (72).  Saves
 * the other caller-saved registers, calls t_check (C) and restores them, so
 * a check never disturbs the test's registers. */
    .globl t_check_stub
t_check_stub:
    sw      t1, 8(sp)
    sw      t2, 12(sp)
    sw      t3, 16(sp)
    sw      t4, 20(sp)
    sw      t5, 24(sp)
    sw      t6, 28(sp)
    sw      a0, 32(sp)
    sw      a1, 36(sp)
    sw      a2, 40(sp)
    sw      a3, 44(sp)
    sw      a4, 48(sp)
    sw      a5, 52(sp)
    sw      a6, 56(sp)
    sw      a7, 60(sp)
    sw      ra, 76(sp)
    lw      a0, 72(sp)
    lw      a1, 64(sp)
    lw      a2, 68(sp)
    call    t_check
    lw      ra, 76(sp)
    lw      t1, 8(sp)
    lw      t2, 12(sp)
    lw      t3, 16(sp)
    lw      t4, 20(sp)
    lw      t5, 24(sp)
    lw      t6, 28(sp)
    lw      a0, 32(sp)
    lw      a1, 36(sp)
    lw      a2, 40(sp)
    lw      a3, 44(sp)
    lw      a4, 48(sp)
    lw      a5, 52(sp)
    lw      a6, 56(sp)
    lw      a7, 60(sp)
    ret
