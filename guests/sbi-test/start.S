/* start.S - entry of sbi-test, a kernel-mode guest: it starts in S-mode with
 * a0 = hart id and a1 = the device tree, and has no M-mode to itself (so no
 * lib/crt0.S, which reads mhartid).  Stack, .bss, stvec, then main(hartid,
 * dtb); poweroff() is an SBI system reset. */
#define SBI_EXT_SRST 0x53525354

    .section .text.init, "ax", @progbits
    .globl _start
_start:
    la      sp, stack_top
    mv      s0, a0
    mv      s1, a1
    la      t0, __bss_start
    la      t1, __bss_end
1:  bgeu    t0, t1, 2f
    sw      zero, 0(t0)
    addi    t0, t0, 4
    j       1b
2:  la      t0, s_trap_entry
    csrw    stvec, t0
    mv      a0, s0
    mv      a1, s1
    call    main
    /* fall through: power off with main's result */

/* poweroff(code): SBI SRST system_reset(shutdown, reason): reason 0 "no
 * reason" for code 0, 1 "system failure" otherwise (minivisor exits 1). */
    .globl poweroff
    .type poweroff, @function
poweroff:
    snez    a1, a0
    li      a0, 0               /* type 0: shutdown */
    li      a6, 0
    li      a7, SBI_EXT_SRST
    ecall
3:  wfi
    j       3b
    .size poweroff, . - poweroff

/* Supervisor trap entry (direct mode): save the caller-saved registers, call
 * s_trap(scause, sepc, stval) in C, restore, sret. */
    .text
    .balign 4
s_trap_entry:
    addi    sp, sp, -64
    sw      ra, 0(sp)
    sw      t0, 4(sp)
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
    csrr    a0, scause
    csrr    a1, sepc
    csrr    a2, stval
    call    s_trap
    lw      ra, 0(sp)
    lw      t0, 4(sp)
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
    addi    sp, sp, 64
    sret

/* clobber_check(): an SBI call (BASE get_spec_version) with every register
 * but a0 and a1 holding a known value; returns a bit mask of the registers
 * the call changed (the SBI must preserve all but a0 and a1). */
    .globl clobber_check
    .type clobber_check, @function
clobber_check:
    addi    sp, sp, -16
    sw      s0, 0(sp)
    sw      s1, 4(sp)
    sw      ra, 8(sp)
    li      s0, 0x50505050
    li      s1, 0x51515151
    li      a2, 0xa2a2a2a2
    li      a3, 0xa3a3a3a3
    li      a4, 0xa4a4a4a4
    li      a5, 0xa5a5a5a5
    li      t0, 0x70707070
    li      t1, 0x71717171
    li      t2, 0x72727272
    li      t3, 0x73737373
    li      t4, 0x74747474
    li      t5, 0x75757575
    li      t6, 0x76767676
    li      a6, 0               /* get_spec_version */
    li      a7, 0x10            /* BASE */
    mv      ra, sp              /* ra and sp too */
    ecall
    li      a0, 0
.macro EXPECT reg, value, bit
    li      a1, \value
    beq     \reg, a1, 1f
    li      a1, 1 << \bit
    or      a0, a0, a1
1:
.endm
    EXPECT  s0, 0x50505050, 0
    EXPECT  s1, 0x51515151, 1
    EXPECT  a2, 0xa2a2a2a2, 2
    EXPECT  a3, 0xa3a3a3a3, 3
    EXPECT  a4, 0xa4a4a4a4, 4
    EXPECT  a5, 0xa5a5a5a5, 5
    EXPECT  a6, 0, 6
    EXPECT  a7, 0x10, 7
    EXPECT  t0, 0x70707070, 8
    EXPECT  t1, 0x71717171, 9
    EXPECT  t2, 0x72727272, 10
    EXPECT  t3, 0x73737373, 11
    EXPECT  t4, 0x74747474, 12
    EXPECT  t5, 0x75757575, 13
    EXPECT  t6, 0x76767676, 14
    beq     ra, sp, 2f
    li      a1, 1 << 15
    or      a0, a0, a1
2:  lw      s0, 0(sp)
    lw      s1, 4(sp)
    lw      ra, 8(sp)
    addi    sp, sp, 16
    ret
    .size clobber_check, . - clobber_check

    .section .bss.stack, "aw", @nobits
    .balign 16
    .space  8192
stack_top:
