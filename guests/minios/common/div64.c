/* div64.c - 64-bit unsigned division for a 32-bit CPU.
 *
 * RV32IM divides 32-bit numbers only.  When C code divides a uint64_t the
 * compiler calls these helpers (normally from libgcc or compiler-rt, which a
 * -nostdlib program does not link).  Plain shift-and-subtract long division:
 * one bit of the quotient per step, 64 steps at most.  Slow but tiny; minios
 * only divides 64-bit numbers when it prints them. */
#include <stdint.h>

uint64_t __udivmoddi4(uint64_t n, uint64_t d, uint64_t *rem)
{
    uint64_t q = 0, r = 0;
    if (d == 0) { /* like RISC-V's DIVU: x / 0 = all ones, remainder x */
        if (rem)
            *rem = n;
        return ~(uint64_t)0;
    }
    if ((n >> 32) == 0 && (d >> 32) == 0) { /* the common case, in hardware */
        uint32_t a = (uint32_t)n, b = (uint32_t)d;
        if (rem)
            *rem = a % b;
        return a / b;
    }
    for (int i = 63; i >= 0; i--) {
        r = (r << 1) | ((n >> i) & 1);
        if (r >= d) {
            r -= d;
            q |= (uint64_t)1 << i;
        }
    }
    if (rem)
        *rem = r;
    return q;
}

uint64_t __udivdi3(uint64_t n, uint64_t d) { return __udivmoddi4(n, d, 0); }

uint64_t __umoddi3(uint64_t n, uint64_t d)
{
    uint64_t r;
    __udivmoddi4(n, d, &r);
    return r;
}
