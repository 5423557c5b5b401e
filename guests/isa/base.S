/* isa-base - RV32I: ALU register/immediate forms, shifts, compares, branches
 * (taken and not taken), JAL/JALR link values, loads and stores of every width
 * with sign/zero extension, LUI and AUIPC. */
#include "test.h"

    TEST_INIT "isa-base: RV32I"

/* ---- register-immediate ALU ---- */
    li      a0, 5
    addi    a0, a0, -7
    CHECK   a0, -2, "addi negative"
    li      a0, 0x7fffffff
    addi    a0, a0, 1
    CHECK   a0, 0x80000000, "addi wraps at 2^31"
    li      a0, 0x12345678
    addi    a0, a0, 2047
    CHECK   a0, 0x12345e77, "addi max immediate 2047"
    addi    a0, zero, -2048
    CHECK   a0, 0xfffff800, "addi min immediate -2048"
    addi    zero, zero, 5
    CHECK   zero, 0, "x0 stays zero"
    li      a0, -5
    slti    a1, a0, 3
    CHECK   a1, 1, "slti signed less"
    sltiu   a1, a0, 3
    CHECK   a1, 0, "sltiu unsigned not less"
    li      a0, 2
    sltiu   a1, a0, -1
    CHECK   a1, 1, "sltiu immediate sign-extended to 0xffffffff"
    seqz    a1, zero
    CHECK   a1, 1, "seqz (sltiu rd, rs, 1)"
    li      a0, 0xf0f0f0f0
    xori    a1, a0, -1
    CHECK   a1, 0x0f0f0f0f, "xori -1 is not"
    ori     a1, a0, 0x0ff
    CHECK   a1, 0xf0f0f0ff, "ori"
    andi    a1, a0, -16
    CHECK   a1, 0xf0f0f0f0, "andi sign-extended immediate"
    andi    a1, a0, 0x0ff
    CHECK   a1, 0xf0, "andi"

/* ---- shifts ---- */
    li      a0, 0x80000001
    slli    a1, a0, 1
    CHECK   a1, 2, "slli drops top bit"
    slli    a1, a0, 31
    CHECK   a1, 0x80000000, "slli 31"
    srli    a1, a0, 31
    CHECK   a1, 1, "srli 31"
    srai    a1, a0, 31
    CHECK   a1, 0xffffffff, "srai 31 sign fill"
    srai    a1, a0, 4
    CHECK   a1, 0xf8000000, "srai 4"
    srli    a1, a0, 0
    CHECK   a1, 0x80000001, "srli 0"
    li      a2, 33              /* register shifts use only the low 5 bits */
    sll     a1, a0, a2
    CHECK   a1, 2, "sll amount masked to 5 bits"
    li      a2, -1
    srl     a1, a0, a2
    CHECK   a1, 1, "srl by 0xffffffff shifts by 31"
    li      a2, 0x104
    sra     a1, a0, a2
    CHECK   a1, 0xf8000000, "sra amount masked"

/* ---- register-register ALU ---- */
    li      a0, 0x7fffffff
    li      a1, 0x80000001
    add     a2, a0, a1
    CHECK   a2, 0, "add wraps"
    sub     a2, a0, a1
    CHECK   a2, 0xfffffffe, "sub"
    sub     a2, zero, a0
    CHECK   a2, 0x80000001, "neg"
    slt     a2, a1, a0
    CHECK   a2, 1, "slt signed"
    sltu    a2, a1, a0
    CHECK   a2, 0, "sltu unsigned"
    slt     a2, a0, a0
    CHECK   a2, 0, "slt equal"
    sltu    a2, a1, a1
    CHECK   a2, 0, "sltu equal"
    sltiu   a2, zero, 0
    CHECK   a2, 0, "sltiu equal"
    sltu    a2, zero, a1
    CHECK   a2, 1, "snez (sltu rd, x0, rs)"
    li      a0, 0xff00ff00
    li      a1, 0x0ff00ff0
    xor     a2, a0, a1
    CHECK   a2, 0xf0f0f0f0, "xor"
    or      a2, a0, a1
    CHECK   a2, 0xfff0fff0, "or"
    and     a2, a0, a1
    CHECK   a2, 0x0f000f00, "and"
    add     a0, a0, a0          /* rd = rs1 = rs2 */
    CHECK   a0, 0xfe01fe00, "add rd=rs1=rs2"

/* ---- LUI / AUIPC ---- */
    lui     a0, 0xfffff
    CHECK   a0, 0xfffff000, "lui"
    lui     a0, 0x12345
    addi    a0, a0, 0x678
    CHECK   a0, 0x12345678, "lui+addi"
1:  auipc   a0, 0
    la      a1, 1b
    CHECK_REG a0, a1, "auipc 0 is pc"
2:  auipc   a0, 0x1
    la      a1, 2b
    li      a2, 0x1000
    add     a1, a1, a2
    CHECK_REG a0, a1, "auipc 0x1000"

/* ---- branches: each one taken and not taken, signed and unsigned ---- */
    li      s0, 0               /* bit mask of the outcomes */
    li      a0, -1
    li      a1, 1
    beq     a0, a0, 1f
    j       2f
1:  ori     s0, s0, 1
2:  beq     a0, a1, 2f
    ori     s0, s0, 2
2:  bne     a0, a1, 1f
    j       2f
1:  ori     s0, s0, 4
2:  bne     a0, a0, 2f
    ori     s0, s0, 8
2:  blt     a0, a1, 1f          /* -1 < 1 signed */
    j       2f
1:  ori     s0, s0, 0x10
2:  blt     a1, a0, 2f
    ori     s0, s0, 0x20
2:  bge     a1, a0, 1f
    j       2f
1:  ori     s0, s0, 0x40
2:  bge     a0, a1, 2f
    ori     s0, s0, 0x80
2:  bge     a0, a0, 1f          /* equal counts as >= */
    j       2f
1:  ori     s0, s0, 0x100
2:  bltu    a1, a0, 1f          /* 1 < 0xffffffff unsigned */
    j       2f
1:  ori     s0, s0, 0x200
2:  bltu    a0, a1, 2f
    ori     s0, s0, 0x400
2:  bgeu    a0, a1, 1f
    j       2f
1:  li      t0, 0x800
    or      s0, s0, t0
2:  bgeu    a1, a0, 2f
    li      t0, 0x1000
    or      s0, s0, t0
2:  CHECK   s0, 0x1fff, "branches: 13 outcomes"

    /* a backward branch loop */
    li      a0, 0
    li      a1, 10
1:  addi    a0, a0, 3
    addi    a1, a1, -1
    bnez    a1, 1b
    CHECK   a0, 30, "backward branch loop"

/* ---- JAL / JALR (norvc: the offsets below count 4-byte instructions) ---- */
    .option push
    .option norvc
    jal     a0, 1f
3:  j       2f
1:  la      a1, 3b
    CHECK_REG a0, a1, "jal link = pc+4"
    la      a1, 3b
2:
    la      a2, 4f
    jalr    a0, 4(a2)           /* lands at 4f + 4 */
5:  j       6f
4:  j       6f                  /* must be skipped */
    nop                         /* 4f + 4: jalr target */
    la      a1, 5b
    CHECK_REG a0, a1, "jalr offset, link = pc+4"
    j       7f
6:  CHECK   zero, 1, "jalr went to the wrong place"
7:
    la      a2, 8f + 1          /* jalr clears bit 0 of the target */
    jalr    a0, 0(a2)
    CHECK   zero, 1, "jalr did not clear bit 0"
    .balign 4
8:  CHECK   zero, 0, "jalr clears bit 0 of target"
    la      a2, 9f
    jalr    a2, 0(a2)           /* rd = rs1: the target uses the old value */
9:  la      a1, 9b
    CHECK_REG a2, a1, "jalr rd=rs1 uses old rs1"
    la      a2, 1f
    jalr    zero, 0(a2)         /* jr: no link */
    CHECK   zero, 1, "jr did not jump"
1:  CHECK   zero, 0, "jalr x0"
    .option pop

/* ---- loads and stores ---- */
    la      s1, data
    lb      a0, 0(s1)
    CHECK   a0, 0xffffff81, "lb sign-extends"
    lbu     a0, 0(s1)
    CHECK   a0, 0x81, "lbu zero-extends"
    lb      a0, 1(s1)
    CHECK   a0, 0x72, "lb positive"
    lh      a0, 2(s1)
    CHECK   a0, 0xffff83a4, "lh sign-extends"
    lhu     a0, 2(s1)
    CHECK   a0, 0x83a4, "lhu zero-extends"
    lh      a0, 4(s1)
    CHECK   a0, 0x7ff0, "lh positive"
    lw      a0, 0(s1)
    CHECK   a0, 0x83a47281, "lw little-endian"
    lw      a0, 8(s1)
    CHECK   a0, 0xdeadbeef, "lw"
    addi    a2, s1, 16
    lw      a0, -8(a2)
    CHECK   a0, 0xdeadbeef, "lw negative offset"
    lbu     a0, 11(s1)
    CHECK   a0, 0xde, "lbu high byte"

    la      s2, scratch
    li      a0, 0x11223344
    sw      a0, 0(s2)
    li      a1, 0xaabbccdd
    sb      a1, 1(s2)
    lw      a0, 0(s2)
    CHECK   a0, 0x1122dd44, "sb writes one byte"
    sh      a1, 2(s2)
    lw      a0, 0(s2)
    CHECK   a0, 0xccdddd44, "sh writes two bytes"
    sw      a1, 4(s2)
    lw      a0, 4(s2)
    CHECK   a0, 0xaabbccdd, "sw/lw round trip"
    lw      a0, 0(s2)
    CHECK   a0, 0xccdddd44, "sw leaves neighbour"
    sb      zero, 7(s2)
    lw      a0, 4(s2)
    CHECK   a0, 0x00bbccdd, "sb x0"
    lh      a0, 4(s2)
    CHECK   a0, 0xffffccdd, "lh after stores"
    addi    a2, s2, 8
    li      a0, 0x5a5a
    sh      a0, -2(a2)
    lw      a0, 4(s2)
    CHECK   a0, 0x5a5accdd, "sh negative offset"
    /* load into the base register */
    mv      a0, s1
    lw      a0, 8(a0)
    CHECK   a0, 0xdeadbeef, "lw rd = base"

/* ---- FENCE is a no-op for a single hart ---- */
    li      a0, 7
    fence
    fence   rw, rw
    CHECK   a0, 7, "fence"

    TEST_END

    .data
    .balign 4
data:
    .byte   0x81, 0x72, 0xa4, 0x83, 0xf0, 0x7f, 0x00, 0x00
    .word   0xdeadbeef
scratch:
    .word   0, 0, 0, 0
