/* isa-m - the M extension: every multiply form (low word, and the three high
 * words for signed x signed, signed x unsigned, unsigned x unsigned) and every
 * divide/remainder form, including the two cases that do not trap on RISC-V:
 * division by zero (quotient all ones, remainder = dividend) and signed
 * overflow -2^31 / -1 (quotient -2^31, remainder 0). */
#include "test.h"

    TEST_INIT "isa-m: multiply and divide"

    li      s0, 0x80000000      /* -2^31 */
    li      s1, -1
    li      s2, 7
    li      s3, -3
    li      s4, 0x12345678
    li      s5, 0x9abcdef0

/* ---- MUL: low 32 bits, same for signed and unsigned ---- */
    mul     a0, s2, s3
    CHECK   a0, -21, "mul 7*-3"
    mul     a0, s4, s5
    CHECK   a0, 0x242d2080, "mul low word"
    mul     a0, s0, s1
    CHECK   a0, 0x80000000, "mul -2^31*-1 wraps"
    mul     a0, s1, s1
    CHECK   a0, 1, "mul -1*-1"
    mul     a0, s4, zero
    CHECK   a0, 0, "mul by zero"

/* ---- MULH: high word of signed x signed ---- */
    mulh    a0, s4, s5
    CHECK   a0, 0xf8cc93d6, "mulh pos*neg"
    mulh    a0, s0, s0
    CHECK   a0, 0x40000000, "mulh -2^31*-2^31"
    mulh    a0, s1, s1
    CHECK   a0, 0, "mulh -1*-1"
    mulh    a0, s2, s3
    CHECK   a0, 0xffffffff, "mulh 7*-3"

/* ---- MULHSU: high word of signed rs1 x unsigned rs2 ---- */
    mulhsu  a0, s1, s1
    CHECK   a0, 0xffffffff, "mulhsu -1*0xffffffff"
    mulhsu  a0, s4, s5
    CHECK   a0, 0x0b00ea4e, "mulhsu pos*big"
    mulhsu  a0, s5, s4
    CHECK   a0, 0xf8cc93d6, "mulhsu neg*pos"
    mulhsu  a0, s0, s0
    CHECK   a0, 0xc0000000, "mulhsu -2^31*2^31"

/* ---- MULHU: high word of unsigned x unsigned ---- */
    mulhu   a0, s4, s5
    CHECK   a0, 0x0b00ea4e, "mulhu"
    mulhu   a0, s1, s1
    CHECK   a0, 0xfffffffe, "mulhu 0xffffffff^2"
    mulhu   a0, s0, s0
    CHECK   a0, 0x40000000, "mulhu 2^31*2^31"
    mulhu   a0, s2, s2
    CHECK   a0, 0, "mulhu small"

/* ---- DIV / DIVU: round toward zero ---- */
    li      a1, -7
    li      a2, 2
    div     a0, a1, a2
    CHECK   a0, -3, "div -7/2 rounds toward zero"
    divu    a0, a1, a2
    CHECK   a0, 0x7ffffffc, "divu 0xfffffff9/2"
    li      a1, 7
    div     a0, a1, s3
    CHECK   a0, -2, "div 7/-3"
    li      a1, -7
    div     a0, a1, s3
    CHECK   a0, 2, "div -7/-3"
    divu    a0, s5, s4
    CHECK   a0, 8, "divu"
    div     a0, s0, s1
    CHECK   a0, 0x80000000, "div overflow -2^31/-1 = -2^31"
    divu    a0, s0, s1
    CHECK   a0, 0, "divu 2^31/0xffffffff"
    div     a0, s4, zero
    CHECK   a0, 0xffffffff, "div by zero = -1"
    divu    a0, s4, zero
    CHECK   a0, 0xffffffff, "divu by zero = 2^32-1"

/* ---- REM / REMU: sign of the dividend ---- */
    li      a1, -7
    li      a2, 2
    rem     a0, a1, a2
    CHECK   a0, -1, "rem -7%2"
    remu    a0, a1, a2
    CHECK   a0, 1, "remu 0xfffffff9%2"
    li      a1, 7
    rem     a0, a1, s3
    CHECK   a0, 1, "rem 7%-3"
    li      a1, -7
    rem     a0, a1, s3
    CHECK   a0, -1, "rem -7%-3"
    remu    a0, s5, s4
    CHECK   a0, 0x091a2b30, "remu"
    rem     a0, s0, s1
    CHECK   a0, 0, "rem overflow -2^31%-1 = 0"
    remu    a0, s0, s1
    CHECK   a0, 0x80000000, "remu 2^31%0xffffffff"
    rem     a0, s4, zero
    CHECK   a0, 0x12345678, "rem by zero = dividend"
    remu    a0, s5, zero
    CHECK   a0, 0x9abcdef0, "remu by zero = dividend"
    li      a1, -5
    rem     a0, a1, zero
    CHECK   a0, -5, "rem negative by zero = dividend"

/* ---- destination equal to a source ---- */
    li      a0, 6
    mul     a0, a0, a0
    CHECK   a0, 36, "mul rd=rs1=rs2"
    li      a0, 100
    li      a1, 7
    div     a1, a0, a1
    CHECK   a1, 14, "div rd=rs2"

    TEST_END
