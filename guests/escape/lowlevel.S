/* lowlevel.S - the escape guest's assembly: its trap entry, a setjmp/longjmp
 * pair for "safe resume points", the U-mode stubs and the wild jump.
 *
 * Every trap of this guest enters trap_entry (mtvec, direct mode).  It saves
 * all 31 registers and mepc in a frame on the current stack, calls
 * escape_trap(frame) in escape.c, then restores the (possibly changed) frame
 * and returns with MRET.  escape_trap decides how to recover: step over the
 * faulting instruction (frame->mepc += 2 or 4), or abandon the attack by
 * pointing mepc at resume_trampoline in M-mode, which longjmps to the last
 * resume point armed with try_enter.
 */
#define FRAME_SIZE 144          /* x0..x31 (128 bytes), mepc, padding: 16-aligned */
#define FRAME_MEPC 128

    .text
    .globl trap_entry
    .type trap_entry, @function
    .balign 4                   /* mtvec's low two bits are the mode */
trap_entry:
    addi    sp, sp, -FRAME_SIZE
    sw      x1, 4(sp)
    sw      x3, 12(sp)
    sw      x4, 16(sp)
    sw      x5, 20(sp)
    sw      x6, 24(sp)
    sw      x7, 28(sp)
    sw      x8, 32(sp)
    sw      x9, 36(sp)
    sw      x10, 40(sp)
    sw      x11, 44(sp)
    sw      x12, 48(sp)
    sw      x13, 52(sp)
    sw      x14, 56(sp)
    sw      x15, 60(sp)
    sw      x16, 64(sp)
    sw      x17, 68(sp)
    sw      x18, 72(sp)
    sw      x19, 76(sp)
    sw      x20, 80(sp)
    sw      x21, 84(sp)
    sw      x22, 88(sp)
    sw      x23, 92(sp)
    sw      x24, 96(sp)
    sw      x25, 100(sp)
    sw      x26, 104(sp)
    sw      x27, 108(sp)
    sw      x28, 112(sp)
    sw      x29, 116(sp)
    sw      x30, 120(sp)
    sw      x31, 124(sp)
    addi    t0, sp, FRAME_SIZE  /* the interrupted code's sp */
    sw      t0, 8(sp)
    csrr    t0, mepc
    sw      t0, FRAME_MEPC(sp)

    mv      a0, sp
    call    escape_trap

    lw      t0, FRAME_MEPC(sp)
    csrw    mepc, t0
    lw      x1, 4(sp)
    lw      x3, 12(sp)
    lw      x4, 16(sp)
    lw      x5, 20(sp)
    lw      x6, 24(sp)
    lw      x7, 28(sp)
    lw      x8, 32(sp)
    lw      x9, 36(sp)
    lw      x10, 40(sp)
    lw      x11, 44(sp)
    lw      x12, 48(sp)
    lw      x13, 52(sp)
    lw      x14, 56(sp)
    lw      x15, 60(sp)
    lw      x16, 64(sp)
    lw      x17, 68(sp)
    lw      x18, 72(sp)
    lw      x19, 76(sp)
    lw      x20, 80(sp)
    lw      x21, 84(sp)
    lw      x22, 88(sp)
    lw      x23, 92(sp)
    lw      x24, 96(sp)
    lw      x25, 100(sp)
    lw      x26, 104(sp)
    lw      x27, 108(sp)
    lw      x28, 112(sp)
    lw      x29, 116(sp)
    lw      x30, 120(sp)
    lw      x31, 124(sp)
    addi    sp, sp, FRAME_SIZE
    mret
    .size trap_entry, . - trap_entry

/* int try_enter(struct resume *r): setjmp.  Saves ra, sp and s0..s11 in r and
 * returns 0; returns 1 when resume_at(r) jumps back here. */
    .globl try_enter
    .type try_enter, @function
try_enter:
    sw      ra, 0(a0)
    sw      sp, 4(a0)
    sw      s0, 8(a0)
    sw      s1, 12(a0)
    sw      s2, 16(a0)
    sw      s3, 20(a0)
    sw      s4, 24(a0)
    sw      s5, 28(a0)
    sw      s6, 32(a0)
    sw      s7, 36(a0)
    sw      s8, 40(a0)
    sw      s9, 44(a0)
    sw      s10, 48(a0)
    sw      s11, 52(a0)
    li      a0, 0
    ret
    .size try_enter, . - try_enter

/* void resume_at(struct resume *r): longjmp; try_enter(r) returns 1 again. */
    .globl resume_at
    .type resume_at, @function
resume_at:
    lw      ra, 0(a0)
    lw      sp, 4(a0)
    lw      s0, 8(a0)
    lw      s1, 12(a0)
    lw      s2, 16(a0)
    lw      s3, 20(a0)
    lw      s4, 24(a0)
    lw      s5, 28(a0)
    lw      s6, 32(a0)
    lw      s7, 36(a0)
    lw      s8, 40(a0)
    lw      s9, 44(a0)
    lw      s10, 48(a0)
    lw      s11, 52(a0)
    li      a0, 1
    ret
    .size resume_at, . - resume_at

/* Where escape_trap sends MRET (in M-mode) to abandon an attack: continue at
 * the innermost armed resume point (escape.c: g_resume). */
    .globl resume_trampoline
    .type resume_trampoline, @function
    .balign 4
resume_trampoline:
    la      a0, g_resume
    lw      a0, 0(a0)
    j       resume_at
    .size resume_trampoline, . - resume_trampoline

/* void jump_to(uint32_t addr): jalr into addr, as a call.  If anything there
 * ever returned, we would come back after it. */
    .globl jump_to
    .type jump_to, @function
jump_to:
    addi    sp, sp, -16
    sw      ra, 12(sp)
    jalr    ra, 0(a0)
    lw      ra, 12(sp)
    addi    sp, sp, 16
    ret
    .size jump_to, . - jump_to

/* void enter_umode(uint32_t pc): MRET to pc with MPP = U (user mode), with
 * mstatus.MPIE = 0 (interrupts stay off).  Does not return: the trap that the
 * U-mode code is bound to raise brings us back through a resume point. */
    .globl enter_umode
    .type enter_umode, @function
enter_umode:
    li      t0, 0x1880          /* MPP (bits 12:11) and MPIE (bit 7) */
    csrc    mstatus, t0         /* MPP = 00: U-mode */
    csrw    mepc, a0
    mret
    .size enter_umode, . - enter_umode

/* The U-mode stubs: one privileged instruction each.  If it did not trap, the
 * ECALL after it would tell the trap handler so (mcause 8). */
    .globl u_csrr_mstatus, u_csrw_mtvec, u_mret, u_wfi, u_sfence_vma
    .balign 4
u_csrr_mstatus:
    csrr    a0, mstatus
    ecall
u_csrw_mtvec:
    csrw    mtvec, zero
    ecall
u_mret:
    mret
    ecall
u_wfi:
    wfi
    ecall
u_sfence_vma:
    sfence.vma
    ecall
