/* isa-c - every RV32C instruction (the integer ones; no F/D here), written
 * with explicit c.* mnemonics so the assembler must emit the 16-bit encoding
 * (it refuses otherwise), each checked by its result.  The compressed-only
 * registers are x8-x15: s0, s1, a0-a5. */
#include "test.h"

    TEST_INIT "isa-c: compressed instructions"
    .option rvc

/* ---- C1: constants and immediate arithmetic ---- */
    c.li    a0, -32
    CHECK   a0, -32, "c.li -32"
    c.li    a0, 31
    CHECK   a0, 31, "c.li 31"
    c.lui   a1, 0xfffff
    CHECK   a1, 0xfffff000, "c.lui negative"
    c.lui   a1, 31
    CHECK   a1, 0x1f000, "c.lui 31"
    c.li    a0, 10
    c.addi  a0, -11
    CHECK   a0, -1, "c.addi negative"
    c.addi  a0, 31
    CHECK   a0, 30, "c.addi 31"
    c.nop
    CHECK   a0, 30, "c.nop changes nothing"
    li      a0, 0x80000001
    c.srli  a0, 31
    CHECK   a0, 1, "c.srli 31"
    li      a0, 0x80000010
    c.srai  a0, 4
    CHECK   a0, 0xf8000001, "c.srai 4"
    li      a0, 0x12345678
    c.andi  a0, -16
    CHECK   a0, 0x12345670, "c.andi sign-extended"
    c.andi  a0, 0x0f
    CHECK   a0, 0, "c.andi 0x0f"
    li      a0, 0x40000003
    c.slli  a0, 1
    CHECK   a0, 0x80000006, "c.slli 1"
    c.slli  a0, 31
    CHECK   a0, 0, "c.slli 31"

/* ---- C1: register-register (x8-x15) ---- */
    li      a0, 0xff00ff00
    li      a1, 0x0ff00ff0
    mv      a2, a0
    c.sub   a2, a1
    CHECK   a2, 0xef10ef10, "c.sub"
    mv      a2, a0
    c.xor   a2, a1
    CHECK   a2, 0xf0f0f0f0, "c.xor"
    mv      a2, a0
    c.or    a2, a1
    CHECK   a2, 0xfff0fff0, "c.or"
    mv      a2, a0
    c.and   a2, a1
    CHECK   a2, 0x0f000f00, "c.and"

/* ---- C2: mv and add work on all 31 registers ---- */
    li      t3, 1234
    c.mv    t4, t3
    CHECK   t4, 1234, "c.mv"
    c.add   t4, t3
    CHECK   t4, 2468, "c.add"
    c.mv    s11, t4
    c.add   s11, s11
    CHECK   s11, 4936, "c.add rd = rs2"

/* ---- stack pointer forms ---- */
    mv      s1, sp
    c.addi16sp sp, -64
    sub     a0, s1, sp
    CHECK   a0, 64, "c.addi16sp -64"
    c.addi4spn a0, sp, 8
    sub     a0, a0, sp
    CHECK   a0, 8, "c.addi4spn 8"
    c.addi4spn a0, sp, 1020
    sub     a0, a0, sp
    CHECK   a0, 1020, "c.addi4spn 1020"
    li      t3, 0x13579bdf
    c.swsp  t3, 60(sp)
    lw      a0, 60(sp)
    CHECK   a0, 0x13579bdf, "c.swsp"
    li      a0, 0x2468ace0
    sw      a0, 4(sp)
    c.lwsp  t4, 4(sp)
    CHECK   t4, 0x2468ace0, "c.lwsp"
    c.addi16sp sp, 64
    mv      a0, sp
    CHECK_REG a0, s1, "c.addi16sp 64 restores sp"

/* ---- C0: loads and stores through x8-x15 ---- */
    la      s0, data
    c.lw    a0, 0(s0)
    CHECK   a0, 0xcafef00d, "c.lw"
    c.lw    a1, 124(s0)
    CHECK   a1, 0x0badc0de, "c.lw max offset 124"
    li      a2, 0x600dbeef
    c.sw    a2, 4(s0)
    lw      a3, 4(s0)
    CHECK   a3, 0x600dbeef, "c.sw"
    c.sw    a2, 120(s0)
    lw      a3, 120(s0)
    CHECK   a3, 0x600dbeef, "c.sw offset 120"

/* ---- control flow ---- */
    c.li    a0, 0
    c.beqz  a0, 1f
    c.li    a0, 5               /* skipped */
1:  CHECK   a0, 0, "c.beqz taken"
    c.li    a0, 1
    c.beqz  a0, 2f
    c.li    a0, 7
2:  CHECK   a0, 7, "c.beqz not taken"
    c.bnez  a0, 1f
    c.li    a0, 5
1:  CHECK   a0, 7, "c.bnez taken"
    c.li    a0, 0
    c.bnez  a0, 2f
    c.li    a0, 3
2:  CHECK   a0, 3, "c.bnez not taken"
    /* backward c.bnez loop */
    c.li    a0, 10
    c.li    a1, 0
1:  c.addi  a1, 2
    c.addi  a0, -1
    c.bnez  a0, 1b
    CHECK   a1, 20, "c.bnez backward loop"

    c.j     1f
    c.li    a0, 9               /* skipped */
    c.li    a0, 9
1:  CHECK   a0, 0, "c.j"

    c.jal   func                /* RV32 only: ra = pc + 2 */
2:  la      a1, 2b
    CHECK_REG a2, a1, "c.jal links pc+2"
    CHECK   a0, 0x77, "c.jal reaches target"

    la      t3, func
    c.li    a0, 0
    c.jalr  t3
3:  la      a1, 3b
    CHECK_REG a2, a1, "c.jalr links pc+2"
    CHECK   a0, 0x77, "c.jalr reaches target"

    la      t3, 4f
    c.jr    t3
    c.li    a0, 1               /* skipped */
4:  CHECK   a0, 0x77, "c.jr"

    /* a 32-bit instruction at an address that is 2 mod 4 */
    .balign 4
    c.nop
    li      a0, 0x12345000      /* lui: 32-bit, at a half-word boundary */
    c.addi  a0, 1
    CHECK   a0, 0x12345001, "32-bit insn at 2 mod 4"

    /* c.ebreak: breakpoint, mepc points at the 2-byte instruction */
    TRY(5: c.ebreak)
    CHECK_TRAP 3, "c.ebreak"
    lw      a0, t_trap + T_EPC
    la      a1, 5b
    CHECK_REG a0, a1, "c.ebreak mepc"

    TEST_END

/* func: a0 = 0x77, a2 = return address; returns with c.jr ra */
func:
    li      a0, 0x77
    c.mv    a2, ra
    c.jr    ra

    .data
    .balign 4
data:
    .word   0xcafef00d
    .space  118, 0x11
    .balign 4
    .word   0x0badc0de          /* at data + 124 */
