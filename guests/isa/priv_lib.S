/* priv_lib.S - the trap handlers of the privileged tests (see priv.h).
 *
 * p_mtrap (mtvec, direct): an EXIT (ECALL with t6 = EXIT_MAGIC) records the
 * mode it came from; a forwarded S trap (ECALL from S with t6 = FWD_MAGIC)
 * just returns; anything else is recorded in t_trap like trap.S does.  Then
 * resume at t_trap's resume address in M-mode with MIE = 0.  A trap with no
 * resume address is reported as unexpected (exit status 255).  MPRV is
 * cleared too: MRET to M keeps it and sets MPP to U, which would make the
 * resumed code's loads and stores translate as U.
 *
 * p_strap (stvec, direct) records a delegated trap in t_strap, then leaves
 * through an ECALL with t6 = FWD_MAGIC.  s_vectors is a vectored stvec table
 * whose entry n writes n to sscratch (recorded as S_VEC) and goes to p_strap.
 *
 * Both clobber t5 and t6 only.
 */
#include "priv.h"

    .text
    .balign 4
    .globl p_mtrap
p_mtrap:
    li      t5, EXIT_MAGIC
    beq     t6, t5, .Lm_exit
    li      t5, FWD_MAGIC
    beq     t6, t5, .Lm_fwd
.Lm_record:
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
.Lm_resume:                     /* t6 = t_trap */
    lw      t5, T_RESUME(t6)
    beqz    t5, .Lm_unexpected
    csrw    mepc, t5
    li      t5, MSTATUS_MPP     /* back in M-mode ... */
    csrs    mstatus, t5
    li      t5, MSTATUS_MPIE | MSTATUS_MPRV  /* ... with MIE = 0, MPRV = 0 */
    csrc    mstatus, t5
    mret

.Lm_exit:                       /* an EXIT: only from an ECALL (8, 9, 11) */
    csrr    t5, mcause
    li      t6, 8
    beq     t5, t6, 1f
    li      t6, 9
    beq     t5, t6, 1f
    li      t6, 11
    bne     t5, t6, .Lm_record
1:  addi    t5, t5, -8          /* ECALL from U, S, M -> 0, 1, 3 */
    la      t6, t_strap
    sw      t5, X_MODE(t6)
    la      t6, t_trap
    j       .Lm_resume

.Lm_fwd:                        /* p_strap is done: only from an ECALL from S */
    csrr    t5, mcause
    li      t6, 9
    bne     t5, t6, .Lm_record
    la      t6, t_trap
    j       .Lm_resume

.Lm_unexpected:
    csrr    a0, mcause
    csrr    a1, mepc
    csrr    a2, mtval
    j       unexpected_trap

    .balign 4
    .globl p_strap
p_strap:
    li      t5, EXIT_MAGIC
    bne     t6, t5, .Ls_record
    csrr    t5, scause
    li      t6, 8               /* an EXIT from U-mode, delegated */
    bne     t5, t6, .Ls_record
    la      t6, t_strap
    sw      zero, X_MODE(t6)
    j       .Ls_leave
.Ls_record:
    la      t6, t_strap
    csrr    t5, scause
    sw      t5, S_CAUSE(t6)
    csrr    t5, stval
    sw      t5, S_TVAL(t6)
    csrr    t5, sepc
    sw      t5, S_EPC(t6)
    csrr    t5, sstatus
    sw      t5, S_STATUS(t6)
    csrr    t5, sscratch
    sw      t5, S_VEC(t6)
    lw      t5, S_COUNT(t6)
    addi    t5, t5, 1
    sw      t5, S_COUNT(t6)
.Ls_leave:
    li      t6, FWD_MAGIC
    ecall
1:  j       1b                  /* not reached */

/* Vectored stvec: base + 4 * cause.  4-byte jumps only. */
    .balign 64
    .option push
    .option norvc
    .globl s_vectors
s_vectors:
    .irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
    j       .Ls_stub\n
    .endr
    .irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
.Ls_stub\n:
    csrwi   sscratch, \n
    j       p_strap
    .endr
    .option pop

    .bss
    .balign 4
    .globl t_strap
t_strap:
    .space  28
