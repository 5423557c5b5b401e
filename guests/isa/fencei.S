/* isa-fencei - self-modifying code with FENCE.I (Zifencei): a function is
 * run (so any decoded-instruction cache holds it), one of its instructions
 * is overwritten with a store, FENCE.I is executed, and the next call must
 * run the new instruction.  Covers a 32-bit patch, a 16-bit patch, a patch
 * inside a hot loop, and code copied to a fresh buffer and run there. */
#include "test.h"

/* encodings written at run time */
#define ADDI_A0_ZERO(imm)  (((imm) << 20) | (10 << 7) | 0x13)   /* addi a0, x0, imm */
#define C_LI_A0(imm)       (0x4001 | (10 << 7) | (((imm) & 0x1f) << 2) | ((((imm) >> 5) & 1) << 12))

    TEST_INIT "isa-fencei: self-modifying code"

/* ---- 32-bit instruction ---- */
    call    patch32
    CHECK   a0, 1, "patch32 before patching"
    la      s0, patch32
    li      a0, ADDI_A0_ZERO(42)
    sw      a0, 0(s0)
    fence.i
    call    patch32
    CHECK   a0, 42, "patch32 after sw + fence.i"
    li      a0, ADDI_A0_ZERO(-7)
    sw      a0, 0(s0)
    fence.i
    call    patch32
    CHECK   a0, -7, "patch32 patched twice"

/* ---- 16-bit instruction, written with a halfword store ---- */
    call    patch16
    CHECK   a0, 3, "patch16 before patching"
    la      s0, patch16
    li      a0, C_LI_A0(-5)
    sh      a0, 0(s0)
    fence.i
    call    patch16
    CHECK   a0, -5, "patch16 after sh + fence.i"

/* ---- a loop body that patches its own next iteration ---- */
    /* loop_body adds the immediate of its `addi a1, a1, imm` to a1; after
     * each call the immediate is incremented: 1 + 2 + ... + 10 = 55 */
    la      s0, loop_add
    li      s1, 1               /* current immediate */
    li      s2, 0               /* iteration */
    li      a1, 0
1:  slli    a0, s1, 20
    li      t0, (11 << 15) | (11 << 7) | 0x13     /* addi a1, a1, 0 */
    or      a0, a0, t0
    sw      a0, 0(s0)
    fence.i
    call    loop_body
    addi    s1, s1, 1
    addi    s2, s2, 1
    li      t0, 10
    bne     s2, t0, 1b
    CHECK   a1, 55, "loop patched each iteration"

/* ---- copy code into a data buffer and run it ---- */
    la      a0, template
    la      a1, buffer
    la      a2, template_end
2:  lhu     t0, 0(a0)           /* halfwords: template may hold RVC code */
    sh      t0, 0(a1)
    addi    a0, a0, 2
    addi    a1, a1, 2
    bltu    a0, a2, 2b
    fence.i
    li      a0, 20
    la      t0, buffer
    jalr    t0
    CHECK   a0, 0x14000, "copied code runs"
    la      s0, buffer
    li      a0, 0x00251513      /* slli a0, a0, 2 over the first instruction */
    sw      a0, 0(s0)
    fence.i
    li      a0, 20
    la      t0, buffer
    jalr    t0
    CHECK   a0, 0x50, "copied code patched"

    TEST_END

/* ---- code that gets patched (norvc where the patch is 32 bits) ---- */
    .option push
    .option norvc
    .balign 4
patch32:
    li      a0, 1               /* addi a0, x0, 1: overwritten */
    ret

loop_add:
    addi    a1, a1, 0           /* overwritten every iteration */
    ret
loop_body = loop_add

template:
    slli    a0, a0, 12          /* overwritten in the buffer */
    ret
template_end:
    .option pop

    .balign 4
patch16:
    c.li    a0, 3               /* 16 bits: overwritten */
    c.jr    ra

    .bss
    .balign 4
buffer:
    .space  64
