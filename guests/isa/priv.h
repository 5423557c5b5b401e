/* priv.h - macros for the privileged tests (isa-priv-*), on top of test.h.
 *
 * A privileged test is an M-mode program (TEST_INIT ... TEST_END, CHECKs in
 * M-mode) that sends short pieces of code to S- or U-mode with RUN_IN and
 * looks at what happened once it is back in M-mode:
 *
 *     RUN_IN PRV_S, code       mret to `code` in S-mode
 *     ...
 * code:                        (S-mode) do something, then
 *     EXIT                     back to M-mode after the RUN_IN
 *
 * Every excursion ends in M-mode right after its RUN_IN, in one of three ways:
 *  - the code runs EXIT (an ECALL with t6 = EXIT_MAGIC): t_strap's X_MODE says
 *    from which mode (0 U, 1 S, 3 M); no trap is counted;
 *  - a trap goes to M-mode: priv_lib.S's p_mtrap records it in t_trap (as
 *    trap.S does: CHECK_TRAP, CHECK_TVAL work) and resumes after the RUN_IN;
 *  - a trap is delegated to S-mode: p_strap records scause, stval, sepc,
 *    sstatus and sscratch in t_strap and leaves through an ECALL with
 *    t6 = FWD_MAGIC, which p_mtrap does not count (CHECK_STRAP etc.).
 * An EXIT from U-mode while medeleg delegates ECALL from U goes through
 * p_strap, which forwards it as an exit too.  ECALL from S must never be
 * delegated (p_strap leaves through one).
 *
 * p_mtrap resumes with MPP = M, MPIE = 0 and MPRV = 0, so M-mode code always
 * runs with MIE = 0 and MPRV = 0 after a RUN_IN.  Both handlers clobber t5 and t6 only; code sent to
 * a lower mode may leave results in any other register for the CHECKs.
 * PRIV_INIT installs the handlers (direct mode) and a PMP entry over all of
 * memory (QEMU refuses S/U accesses without one).
 */
#ifndef PRIV_H
#define PRIV_H

#include "test.h"

#define PRV_U 0
#define PRV_S 1
#define PRV_M 3

#define MSTATUS_SIE   (1 << 1)
#define MSTATUS_MIE   (1 << 3)
#define MSTATUS_SPIE  (1 << 5)
#define MSTATUS_MPIE  (1 << 7)
#define MSTATUS_SPP   (1 << 8)
#define MSTATUS_MPP   (3 << 11)
#define MSTATUS_MPP_S (1 << 11)
#define MSTATUS_MPRV  (1 << 17)
#define MSTATUS_SUM   (1 << 18)
#define MSTATUS_MXR   (1 << 19)
#define MSTATUS_TVM   (1 << 20)
#define MSTATUS_TW    (1 << 21)
#define MSTATUS_TSR   (1 << 22)

#define IRQ_SSI 1
#define IRQ_MSI 3
#define IRQ_STI 5
#define IRQ_MTI 7
#define IRQ_SEI 9
#define IRQ_MEI 11
#define MIP_SSIP (1 << IRQ_SSI)
#define MIP_MSIP (1 << IRQ_MSI)
#define MIP_STIP (1 << IRQ_STI)
#define MIP_MTIP (1 << IRQ_MTI)
#define MIP_SEIP (1 << IRQ_SEI)
#define MIP_MEIP (1 << IRQ_MEI)

/* Offsets in t_strap (priv_lib.S) */
#define S_CAUSE   0
#define S_TVAL    4
#define S_EPC     8
#define S_STATUS 12   /* sstatus as seen by the S handler */
#define S_COUNT  16   /* traps taken by the S handler since the last RUN_IN */
#define S_VEC    20   /* sscratch at entry: the vector stub's number, -1 for direct mode */
#define X_MODE   24   /* mode that left through EXIT, -1 if none */

#define EXIT_MAGIC 0x5eed0e1d
#define FWD_MAGIC  0x5eed0f0d

/* PRIV_INIT "title": TEST_INIT, then the handlers and a PMP entry */
.macro PRIV_INIT title
    TEST_INIT "\title"
    la      t0, p_mtrap
    csrw    mtvec, t0
    la      t0, p_strap
    csrw    stvec, t0
    li      t0, -1
    csrw    pmpaddr0, t0
    li      t0, 0x1f            /* NAPOT over everything, R W X */
    csrw    pmpcfg0, t0
.endm

/* EXIT (any mode): back to M-mode after the RUN_IN, nothing counted */
.macro EXIT
    li      t6, EXIT_MAGIC
    ecall
.endm

/* RUN_IN mode, label: run the code at label in mode (through MRET) until it
 * EXITs or traps; then go on here in M-mode.  Clears both trap records. */
.macro RUN_IN mode, label
    la      t6, t_trap
    la      t5, .Lrun_back\@
    sw      t5, T_RESUME(t6)
    sw      zero, T_COUNT(t6)
    sw      zero, T_CAUSE(t6)
    sw      zero, T_TVAL(t6)
    sw      zero, T_EPC(t6)
    la      t6, t_strap
    sw      zero, S_COUNT(t6)
    sw      zero, S_CAUSE(t6)
    sw      zero, S_TVAL(t6)
    sw      zero, S_EPC(t6)
    li      t5, -1
    sw      t5, S_VEC(t6)
    sw      t5, X_MODE(t6)
    csrw    sscratch, t5
    li      t5, MSTATUS_MPP
    csrc    mstatus, t5
    li      t5, (\mode) << 11
    csrs    mstatus, t5
    la      t5, \label
    csrw    mepc, t5
    mret
.Lrun_back\@:
    la      t6, t_trap
    sw      zero, T_RESUME(t6)
.endm

/* RUN_AT mode, reg: like RUN_IN, entering at the address in reg (not t5/t6) */
.macro RUN_AT mode, reg
    csrw    mepc, \reg
    la      t6, t_trap
    la      t5, .Lrun_back\@
    sw      t5, T_RESUME(t6)
    sw      zero, T_COUNT(t6)
    sw      zero, T_CAUSE(t6)
    sw      zero, T_TVAL(t6)
    sw      zero, T_EPC(t6)
    la      t6, t_strap
    sw      zero, S_COUNT(t6)
    sw      zero, S_CAUSE(t6)
    sw      zero, S_TVAL(t6)
    sw      zero, S_EPC(t6)
    li      t5, -1
    sw      t5, S_VEC(t6)
    sw      t5, X_MODE(t6)
    csrw    sscratch, t5
    li      t5, MSTATUS_MPP
    csrc    mstatus, t5
    li      t5, (\mode) << 11
    csrs    mstatus, t5
    mret
.Lrun_back\@:
    la      t6, t_trap
    sw      zero, T_RESUME(t6)
.endm

/* the excursion ran to its EXIT in mode (no trap anywhere) */
.macro CHECK_EXIT mode, name
    lw      t0, t_strap + X_MODE
    CHECK   t0, \mode, "\name: runs to its EXIT"
.endm

/* exactly one trap, delegated to S-mode, with this scause */
.macro CHECK_STRAP cause, name
    lw      t0, t_strap + S_COUNT
    CHECK   t0, 1, "\name: trapped once to S"
    lw      t0, t_strap + S_CAUSE
    CHECK   t0, \cause, "\name: scause"
.endm

/* CHECK_STRAP where QEMU 7.2 departs from the spec (see CHECK_TRAP_SPEC_OR_QEMU) */
.macro CHECK_STRAP_SPEC_OR_QEMU cause, qemu_cause, name
    lw      t0, t_strap + S_COUNT
    CHECK   t0, 1, "\name: trapped once to S"
    lw      t0, t_strap + S_CAUSE
    li      t5, \qemu_cause
    bne     t0, t5, 7f
    li      t0, \cause
7:
    CHECK   t0, \cause, "\name: scause"
.endm

.macro CHECK_STVAL value, name
    lw      t0, t_strap + S_TVAL
    CHECK   t0, \value, "\name: stval"
.endm

.macro CHECK_STVAL_REG reg, name
    lw      t0, t_strap + S_TVAL
    CHECK_REG t0, \reg, "\name: stval"
.endm

.macro CHECK_SEPC_REG reg, name
    lw      t0, t_strap + S_EPC
    CHECK_REG t0, \reg, "\name: sepc"
.endm

.macro CHECK_MEPC_REG reg, name
    lw      t0, t_trap + T_EPC
    CHECK_REG t0, \reg, "\name: mepc"
.endm

/* CHECK_SPEC_OR_QEMU reg, value, qemu_value, "name": where QEMU 7.2 departs
 * from the spec, the spec's value passes and so does QEMU's, reported as the
 * spec's so that both emulators print the same line (clobbers reg and t5) */
.macro CHECK_SPEC_OR_QEMU reg, value, qemu_value, name
    li      t5, \qemu_value
    bne     \reg, t5, 7f
    li      \reg, \value
7:
    CHECK   \reg, \value, "\name"
.endm

/* (sstatus seen by the S handler) & mask == value */
.macro CHECK_SSTATUS mask, value, name
    lw      t0, t_strap + S_STATUS
    li      t5, \mask
    and     t0, t0, t5
    CHECK   t0, \value, "\name"
.endm

/* (mstatus seen by the M handler) & mask == value */
.macro CHECK_MSTATUS mask, value, name
    lw      t0, t_trap + T_STATUS
    li      t5, \mask
    and     t0, t0, t5
    CHECK   t0, \value, "\name"
.endm

/* CHECK_CSR_MASKED csr, mask, value, "name": (csr & mask) == value (clobbers t0, t5) */
.macro CHECK_CSR_MASKED csr, mask, value, name
    csrr    t0, \csr
    li      t5, \mask
    and     t0, t0, t5
    CHECK   t0, \value, "\name"
.endm

#endif
