/* isa-a - the A extension on one hart: LR/SC pairs that succeed and that
 * fail, and every AMO, checking both the old value returned in rd and the
 * value left in memory.  (Misaligned LR/AMO traps are in isa-traps.) */
#include "test.h"

    TEST_INIT "isa-a: atomics"

    la      s0, word
    la      s1, other

/* ---- LR/SC ---- */
    li      a0, 41
    sw      a0, 0(s0)
    lr.w    a1, (s0)
    addi    a1, a1, 1
    sc.w    a2, a1, (s0)
    CHECK   a2, 0, "sc after lr succeeds (rd = 0)"
    lw      a0, 0(s0)
    CHECK   a0, 42, "sc success stores"

    li      a1, 99
    sc.w    a2, a1, (s0)        /* the reservation was used up by the last sc */
    snez    a2, a2
    CHECK   a2, 1, "second sc fails (rd != 0)"
    lw      a0, 0(s0)
    CHECK   a0, 42, "failed sc stores nothing"

    lr.w    a1, (s1)            /* reservation on `other` ... */
    li      a1, 77
    sc.w    a2, a1, (s0)        /* ... does not cover `word` */
    snez    a2, a2
    CHECK   a2, 1, "sc to another address fails"
    lw      a0, 0(s0)
    CHECK   a0, 42, "sc to another address stores nothing"

    /* the classic retry loop: atomic increment */
    li      a3, 5
1:  lr.w    a1, (s0)
    addi    a1, a1, 1
    sc.w    a2, a1, (s0)
    bnez    a2, 1b
    addi    a3, a3, -1
    bnez    a3, 1b
    lw      a0, 0(s0)
    CHECK   a0, 47, "lr/sc increment loop"

    lr.w.aqrl a1, (s0)          /* ordering bits change nothing on one hart */
    sc.w.rl a2, a1, (s0)
    CHECK   a2, 0, "lr.aqrl/sc.rl succeeds"

/* ---- AMOs: rd = old value, memory = op(old, rs2) ---- */
.macro AMO op, init, src, old, new, name
    li      a0, \init
    sw      a0, 0(s0)
    li      a1, \src
    \op     a2, a1, (s0)
    lw      a3, 0(s0)
    CHECK   a2, \old, "\name returns old"
    CHECK   a3, \new, "\name stores"
.endm

    AMO amoswap.w, 0x11111111, 0x22222222, 0x11111111, 0x22222222, "amoswap"
    AMO amoadd.w,  0x7fffffff, 2,          0x7fffffff, 0x80000001, "amoadd wraps"
    AMO amoxor.w,  0xff00ff00, 0x0ff00ff0, 0xff00ff00, 0xf0f0f0f0, "amoxor"
    AMO amoand.w,  0xff00ff00, 0x0ff00ff0, 0xff00ff00, 0x0f000f00, "amoand"
    AMO amoor.w,   0xff00ff00, 0x0ff00ff0, 0xff00ff00, 0xfff0fff0, "amoor"
    AMO amomin.w,  5,          -3,         5,          -3,         "amomin signed takes negative"
    AMO amomin.w,  -3,         5,          -3,         -3,         "amomin signed keeps negative"
    AMO amomax.w,  5,          -3,         5,          5,          "amomax signed keeps positive"
    AMO amomax.w,  0x80000000, 0x7fffffff, 0x80000000, 0x7fffffff, "amomax signed extremes"
    AMO amominu.w, 5,          -3,         5,          5,          "amominu keeps small"
    AMO amominu.w, 0xfffffffd, 5,          0xfffffffd, 5,          "amominu takes small"
    AMO amomaxu.w, 5,          -3,         5,          0xfffffffd, "amomaxu takes big"
    AMO amomaxu.w, 0x80000000, 0x7fffffff, 0x80000000, 0x80000000, "amomaxu keeps big"
    AMO amoadd.w.aqrl, 40,     2,          40,         42,         "amoadd.aqrl"

    /* rd = x0 discards the old value; rd = rs2 reads old before using rs2 */
    li      a0, 10
    sw      a0, 0(s0)
    li      a1, 5
    amoadd.w zero, a1, (s0)
    lw      a3, 0(s0)
    CHECK   a3, 15, "amoadd rd=x0 still stores"
    li      a1, 100
    amoswap.w a1, a1, (s0)
    lw      a3, 0(s0)
    CHECK   a1, 15, "amoswap rd=rs2 returns old"
    CHECK   a3, 100, "amoswap rd=rs2 stores the old rs2"

    /* AMOs do not touch the neighbouring word */
    lw      a0, 0(s1)
    CHECK   a0, 0x5a5a5a5a, "neighbour untouched"

    TEST_END

    .data
    .balign 8
word:   .word 0
other:  .word 0x5a5a5a5a
