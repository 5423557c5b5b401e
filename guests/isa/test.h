/* test.h - macros for the ISA tests (assembly, run through the C preprocessor).
 *
 * A test is `main`: TEST_INIT, a sequence of computations each followed by a
 * CHECK, then TEST_END.  Every CHECK prints one line through test_lib.c:
 *     ok 3 - addi negative
 *     FAIL 3 - addi negative got 0x00000001 expected 0xfffffffe
 * and TEST_END returns the number of failures, which crt0 turns into the exit
 * status (0 = all passed).  Checks are numbered automatically, in order.
 *
 * Register rules: CHECK, CHECK_REG preserve all registers; CHECK_MEM and the
 * CHECK_TRAP family clobber t0.  TRY and the trap handler (trap.S) clobber t5
 * and t6.  Never move sp except to restore it: CHECK uses the stack.
 */
#ifndef TEST_H
#define TEST_H

/* Offsets in t_trap (test_lib.c), filled by the trap handler */
#define T_CAUSE   0
#define T_TVAL    4
#define T_EPC     8
#define T_STATUS 12   /* mstatus as seen by the handler (MPP, MPIE of the trap) */
#define T_COUNT  16   /* traps taken since the last TRY */
#define T_RESUME 20   /* where the handler returns to; 0 = no trap expected */

#define MCAUSE_INT 0x80000000

/* TEST_INIT "isa-base": start main, install trap.S's handler, print the header */
.macro TEST_INIT title
    TEST_MAIN
    TEST_TITLE "\title"
.endm

/* The two halves of TEST_INIT, for a test that must do something before the
 * first byte goes out (isa-devices reads the UART's reset state). */
.macro TEST_MAIN
    .text
    .globl main
main:
    addi    sp, sp, -16
    sw      ra, 12(sp)
    la      t0, t_trap_handler
    csrw    mtvec, t0
.endm

.macro TEST_TITLE title
    la      a0, .Ltitle\@
    call    t_begin
    .pushsection .rodata.str, "aMS", @progbits, 1
.Ltitle\@: .asciz "\title"
    .popsection
.endm

/* TEST_END: print the summary; main returns the failure count */
.macro TEST_END
    call    t_done              /* a0 = number of failures */
    lw      ra, 12(sp)
    addi    sp, sp, 16
    ret
.endm

/* CHECK reg, value, "name": reg must equal the 32-bit constant value.
 * Preserves every register (t_check_stub in trap.S saves the rest), so a
 * test can keep using its values after a check. */
.macro CHECK reg, value, name
    addi    sp, sp, -80
    sw      \reg, 64(sp)         /* got: saved before anything is touched */
    sw      ra, 0(sp)
    sw      t0, 4(sp)
    li      t0, \value
    sw      t0, 68(sp)           /* expected */
    la      t0, .Lname\@
    sw      t0, 72(sp)           /* name */
    call    t_check_stub
    lw      ra, 0(sp)
    lw      t0, 4(sp)
    addi    sp, sp, 80
    .pushsection .rodata.str, "aMS", @progbits, 1
.Lname\@: .asciz "\name"
    .popsection
.endm

/* CHECK_REG reg, expected_reg, "name": two registers must be equal */
.macro CHECK_REG reg, expreg, name
    addi    sp, sp, -80
    sw      \reg, 64(sp)
    sw      \expreg, 68(sp)
    sw      ra, 0(sp)
    sw      t0, 4(sp)
    la      t0, .Lname\@
    sw      t0, 72(sp)
    call    t_check_stub
    lw      ra, 0(sp)
    lw      t0, 4(sp)
    addi    sp, sp, 80
    .pushsection .rodata.str, "aMS", @progbits, 1
.Lname\@: .asciz "\name"
    .popsection
.endm

/* CHECK_MEM symbol, value, "name": the word at symbol must equal value */
.macro CHECK_MEM sym, value, name
    lw      t0, \sym
    CHECK   t0, \value, "\name"
.endm

/* TRY(instructions...): run code that may trap.  The handler records the trap
 * in t_trap and resumes after the block, so a trapping instruction is skipped
 * whatever its length.  Then check with CHECK_TRAP / CHECK_NO_TRAP / CHECK_TVAL. */
#define TRY(...)                                                  \
    la      t6, t_trap;                                           \
    la      t5, 8f;                                               \
    sw      t5, T_RESUME(t6);                                     \
    sw      zero, T_COUNT(t6);                                    \
    sw      zero, T_CAUSE(t6);                                    \
    sw      zero, T_TVAL(t6);                                     \
    sw      zero, T_EPC(t6);                                      \
    __VA_ARGS__;                                                  \
8:  la      t6, t_trap;                                           \
    sw      zero, T_RESUME(t6)

/* exactly one trap with this mcause was taken inside the last TRY */
.macro CHECK_TRAP cause, name
    lw      t0, t_trap + T_COUNT
    CHECK   t0, 1, "\name: trapped once"
    lw      t0, t_trap + T_CAUSE
    CHECK   t0, \cause, "\name: mcause"
.endm

/* Like CHECK_TRAP, for the few places where QEMU 7.2 departs from the spec:
 * the spec's cause passes, and so does QEMU's, reported as the spec's so that
 * both emulators print the same line. */
.macro CHECK_TRAP_SPEC_OR_QEMU cause, qemu_cause, name
    lw      t0, t_trap + T_COUNT
    CHECK   t0, 1, "\name: trapped once"
    lw      t0, t_trap + T_CAUSE
    li      t5, \qemu_cause
    bne     t0, t5, 7f
    li      t0, \cause
7:
    CHECK   t0, \cause, "\name: mcause"
.endm

.macro CHECK_NO_TRAP name
    lw      t0, t_trap + T_COUNT
    CHECK   t0, 0, "\name: no trap"
.endm

.macro CHECK_TVAL value, name
    lw      t0, t_trap + T_TVAL
    CHECK   t0, \value, "\name: mtval"
.endm

/* mtval of the last trap must equal a register */
.macro CHECK_TVAL_REG reg, name
    lw      t0, t_trap + T_TVAL
    CHECK_REG t0, \reg, "\name: mtval"
.endm

#endif
