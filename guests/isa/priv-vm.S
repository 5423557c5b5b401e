/* isa-priv-vm - Sv32 address translation, seen from S-mode, U-mode and
 * M-mode with MPRV.
 *
 * Page tables (built here, in M-mode):
 *   root[0x200]  VA 0x80000000: 4 MiB megapage onto RAM itself, RWX, A and D
 *                set: the program, its handlers and its data run unchanged in S
 *   root[0x300]  VA 0xC0000000: another megapage onto RAM, RW (an alias)
 *   root[0x301]  VA 0xC0400000: a megapage whose PPN[0] is not 0 (misaligned)
 *   root[0x302]  VA 0xC0800000: a pointer to a "table" at PA 0 (not RAM)
 *   root[0x100]  VA 0x40000000: pointer to l0, 4 KiB pages VA(0..15), below
 * Loads, stores and fetches through them, page faults (12, 13, 15) with stval
 * = the faulting VA, delegated to S or not, A/D bits written by the hardware
 * (as QEMU does), SUM, MXR, U pages, MPRV, SFENCE.VMA after a PTE change, and
 * a 32-bit instruction straddling two pages.
 */
#include "priv.h"

#define PTE_V 0x01
#define PTE_R 0x02
#define PTE_W 0x04
#define PTE_X 0x08
#define PTE_U 0x10
#define PTE_A 0x40
#define PTE_D 0x80
#define PTE_AD (PTE_A | PTE_D)

#define VA(i) (0x40000000 + (i) * 0x1000)

#define P_DATA     0            /* page_a, RW */
#define P_CODE     1            /* code_page, X */
#define P_SWAP     2            /* page_a or page_b, R (S rewrites it) */
#define P_ST1      3            /* straddle_1, X */
#define P_ST2      4            /* straddle_2, X or not mapped */
#define P_NONE     5            /* not valid */
#define P_RO       6            /* page_c, R */
#define P_XONLY    7            /* code_page, X only */
#define P_AD       8            /* page_d, RW, A and D clear */
#define P_UDATA    9            /* page_a, U RW */
#define P_UCODE    10           /* code_page, U X */
#define P_WONLY    11           /* page_c, W only (reserved) */
#define P_NORAM    12           /* PA 0 (not RAM), RW */
#define P_NONLEAF  13           /* a pointer at level 0 */
#define P_HIGH     14           /* PA 0x2_0000_0000 (34-bit), RW */
#define P_ADX      15           /* code_page, X, A clear */

/* entry points in code_page (at offsets 0, 0x40, 0x80) */
#define CODE_AUIPC 0x00         /* a1 = its own address, EXIT */
#define CODE_LOAD  0x40         /* a0 = (a2), EXIT */
#define CODE_STORE 0x80         /* (a2) = a3, EXIT */

#define MEDELEG_PF ((1 << 12) | (1 << 13) | (1 << 15))
#define MEDELEG_AF ((1 << 1) | (1 << 5) | (1 << 7))

#define SATP_SV32 0x80000000

/* table[index] = PTE for the page (or megapage) at symbol sym, with flags */
.macro MAP table, index, sym, flags
    la      t0, \sym
    srli    t0, t0, 2
    li      t1, \flags
    or      t0, t0, t1
    la      t1, \table
    li      t2, (\index) * 4
    add     t1, t1, t2
    sw      t0, 0(t1)
.endm

/* table[index] = value */
.macro SET_PTE table, index, value
    li      t0, \value
    la      t1, \table
    li      t2, (\index) * 4
    add     t1, t1, t2
    sw      t0, 0(t1)
.endm

/* a0 = table[index] */
.macro GET_PTE table, index
    la      t1, \table
    li      t2, (\index) * 4
    add     t1, t1, t2
    lw      a0, 0(t1)
.endm

/* RUN_S_AT va: run S-mode code at a virtual address (through s0) */
.macro RUN_VA mode, va
    li      s0, \va
    RUN_AT  \mode, s0
.endm

    PRIV_INIT "isa-priv-vm: Sv32 paging"

    csrw    medeleg, zero
    csrw    mideleg, zero
    csrw    mie, zero

/* ---- build the tables ---- */
    la      t0, _start          /* RAM base: 0x80000000 */
    srli    t0, t0, 2
    ori     t0, t0, PTE_V | PTE_R | PTE_W | PTE_X | PTE_AD
    la      t1, root
    li      t2, 0x200 * 4
    add     t2, t1, t2
    sw      t0, 0(t2)           /* identity */
    xori    t0, t0, PTE_X
    li      t2, 0x300 * 4
    add     t2, t1, t2
    sw      t0, 0(t2)           /* alias, RW */
    li      t2, 0x1000 >> 2
    add     t0, t0, t2          /* PPN + 1: not a multiple of 1024 */
    li      t2, 0x301 * 4
    add     t2, t1, t2
    sw      t0, 0(t2)
    SET_PTE root, 0x302, PTE_V  /* next level at PA 0 */
    MAP     root, 0x100, l0, PTE_V

    MAP     l0, P_DATA, page_a, PTE_V | PTE_R | PTE_W | PTE_AD
    MAP     l0, P_CODE, code_page, PTE_V | PTE_X | PTE_R | PTE_AD
    MAP     l0, P_SWAP, page_a, PTE_V | PTE_R | PTE_AD
    MAP     l0, P_ST1, straddle_1, PTE_V | PTE_X | PTE_AD
    MAP     l0, P_ST2, straddle_2, PTE_V | PTE_X | PTE_AD
    MAP     l0, P_RO, page_c, PTE_V | PTE_R | PTE_AD
    MAP     l0, P_XONLY, code_page, PTE_V | PTE_X | PTE_AD
    MAP     l0, P_AD, page_d, PTE_V | PTE_R | PTE_W
    MAP     l0, P_UDATA, page_a, PTE_V | PTE_R | PTE_W | PTE_U | PTE_AD
    MAP     l0, P_UCODE, code_page, PTE_V | PTE_X | PTE_U | PTE_AD
    MAP     l0, P_WONLY, page_c, PTE_V | PTE_W | PTE_AD
    SET_PTE l0, P_NORAM, PTE_V | PTE_R | PTE_W | PTE_AD
    MAP     l0, P_NONLEAF, l0, PTE_V
    SET_PTE l0, P_HIGH, (0x200000 << 10) | PTE_V | PTE_R | PTE_W | PTE_AD
    MAP     l0, P_ADX, code_page, PTE_V | PTE_X

    li      t0, 0x11111111
    sw      t0, page_a, t1
    li      t0, 0x33333333
    sw      t0, page_b, t1
    li      t0, 0x44444444
    sw      t0, page_c, t1

    la      t0, root
    srli    t0, t0, 12
    li      t1, SATP_SV32
    or      t0, t0, t1
    csrw    satp, t0
    sfence.vma
    csrr    a1, satp
    CHECK_REG a1, t0, "satp Sv32 reads back"
    lw      a0, page_a
    CHECK   a0, 0x11111111, "M-mode ignores satp"

/* ---- S-mode: loads, stores, fetches ---- */
    li      a2, VA(P_DATA)
    la      s0, s_load
    RUN_AT  PRV_S, s0
    CHECK_EXIT PRV_S, "S code in the identity megapage"
    CHECK   a0, 0x11111111, "S load through a 4K page"
    li      a2, VA(P_DATA) + 8
    li      a3, 0x22222222
    RUN_IN  PRV_S, s_store
    CHECK_EXIT PRV_S, "S store through a 4K page"
    lw      a0, page_a + 8
    CHECK   a0, 0x22222222, "S store reached the page"
    RUN_VA  PRV_S, VA(P_CODE) + CODE_AUIPC
    CHECK_EXIT PRV_S, "S fetch from a 4K page"
    CHECK   a1, VA(P_CODE), "S fetch: auipc sees the virtual pc"
    la      a2, alias_word
    li      t0, 0x40000000      /* 0x8xxxxxxx -> 0xCxxxxxxx */
    add     a2, a2, t0
    RUN_IN  PRV_S, s_load
    CHECK   a0, 0xa11a5a11, "S load through the alias megapage"
    li      a3, 0x12344321
    RUN_IN  PRV_S, s_store
    CHECK_EXIT PRV_S, "S store through the alias megapage"
    lw      a0, alias_word
    CHECK   a0, 0x12344321, "alias store reached RAM"

/* ---- page faults, delegated to S: scause, stval = VA, sepc ---- */
    li      a0, MEDELEG_PF | MEDELEG_AF
    csrw    medeleg, a0
    li      a2, VA(P_NONE) + 8
    RUN_IN  PRV_S, s_load
    CHECK_STRAP 13, "load from an invalid PTE"
    CHECK_STVAL VA(P_NONE) + 8, "load from an invalid PTE"
    la      a1, s_load
    CHECK_SEPC_REG a1, "load from an invalid PTE"
    li      a2, VA(P_NONE) + 4
    RUN_IN  PRV_S, s_store
    CHECK_STRAP 15, "store to an invalid PTE"
    CHECK_STVAL VA(P_NONE) + 4, "store to an invalid PTE"
    RUN_VA  PRV_S, VA(P_NONE) + 0x10
    CHECK_STRAP 12, "fetch from an invalid PTE"
    CHECK_STVAL VA(P_NONE) + 0x10, "fetch from an invalid PTE"
    CHECK_SEPC_REG s0, "fetch from an invalid PTE"
    RUN_VA  PRV_S, VA(P_DATA)
    CHECK_STRAP 12, "fetch from a page without X"
    CHECK_STVAL VA(P_DATA), "fetch from a page without X"
    li      a2, VA(P_RO) + 12
    RUN_IN  PRV_S, s_store
    CHECK_STRAP 15, "store to a read-only page"
    CHECK_STVAL VA(P_RO) + 12, "store to a read-only page"
    li      a2, VA(P_RO) + 12
    RUN_IN  PRV_S, s_amo
    CHECK_STRAP 15, "amoadd to a read-only page"
    CHECK_STVAL VA(P_RO) + 12, "amoadd to a read-only page"
    lw      a0, page_c + 12
    CHECK   a0, 0, "faulting store and amo wrote nothing"
    li      a2, VA(P_WONLY)
    RUN_IN  PRV_S, s_load
    CHECK_STRAP 13, "load from a W-only PTE (reserved)"
    li      a2, VA(P_NONLEAF) + 0x20
    RUN_IN  PRV_S, s_load
    CHECK_STRAP 13, "load through a pointer PTE at level 0"
    CHECK_STVAL VA(P_NONLEAF) + 0x20, "load through a pointer PTE at level 0"
    li      a2, 0xc0400010
    RUN_IN  PRV_S, s_load
    CHECK_STRAP 13, "load from a misaligned megapage"
    CHECK_STVAL 0xc0400010, "load from a misaligned megapage"
    li      a2, VA(0x3ff)       /* root[0x100] is fine, l0[0x3ff] is 0 */
    RUN_IN  PRV_S, s_load
    CHECK_STRAP 13, "load from an empty PTE"
    li      a2, 0x00400000      /* root[1] is 0 */
    RUN_IN  PRV_S, s_load
    CHECK_STRAP 13, "load from an empty root PTE"
    CHECK_STVAL 0x00400000, "load from an empty root PTE"

/* ---- access faults: translation works, the physical address is not RAM ---- */
    li      a2, VA(P_NORAM) + 0x10
    RUN_IN  PRV_S, s_load
    CHECK_STRAP 5, "load from a page at PA 0"
    CHECK_STVAL VA(P_NORAM) + 0x10, "load from a page at PA 0"
    li      a2, VA(P_NORAM) + 0x10
    RUN_IN  PRV_S, s_store
    CHECK_STRAP 7, "store to a page at PA 0"
    CHECK_STVAL VA(P_NORAM) + 0x10, "store to a page at PA 0"
    li      a2, VA(P_HIGH) + 4
    RUN_IN  PRV_S, s_load
    CHECK_STRAP 5, "load from PA 0x200000004 (34-bit)"
    CHECK_STVAL VA(P_HIGH) + 4, "load from PA 0x200000004 (34-bit)"
    /* A PTE that cannot be read (its table is not RAM): the spec says access
     * fault (5); QEMU 7.2 raises a page fault (13). */
    li      a2, 0xc0800000
    RUN_IN  PRV_S, s_load
    CHECK_STRAP_SPEC_OR_QEMU 5, 13, "load through a table at PA 0"
    CHECK_STVAL 0xc0800000, "load through a table at PA 0"

/* ---- not delegated: to M, mtval = VA ---- */
    csrw    medeleg, zero
    li      a2, VA(P_NONE) + 0x24
    RUN_IN  PRV_S, s_load
    CHECK_TRAP 13, "load page fault to M"
    CHECK_TVAL VA(P_NONE) + 0x24, "load page fault to M"
    RUN_VA  PRV_S, VA(P_RO) + 6
    CHECK_TRAP 12, "fetch page fault to M"
    CHECK_TVAL VA(P_RO) + 6, "fetch page fault to M"
    CHECK_MEPC_REG s0, "fetch page fault to M"
    li      a0, MEDELEG_PF | MEDELEG_AF
    csrw    medeleg, a0

/* ---- MXR: loads from execute-only pages ---- */
    li      a2, VA(P_XONLY)
    RUN_IN  PRV_S, s_load
    CHECK_STRAP 13, "load from an X-only page, MXR=0"
    li      a0, MSTATUS_MXR
    csrs    mstatus, a0
    RUN_IN  PRV_S, s_load
    CHECK_EXIT PRV_S, "load from an X-only page, MXR=1"
    CHECK   a0, 0x00000597, "MXR load reads the code (auipc a1, 0)"
    li      a2, VA(P_XONLY)
    RUN_IN  PRV_S, s_store
    CHECK_STRAP 15, "store to an X-only page, MXR=1"
    li      a0, MSTATUS_MXR
    csrc    mstatus, a0

/* ---- U pages: S needs SUM for data and may never execute them ---- */
    li      a2, VA(P_UDATA)
    RUN_IN  PRV_S, s_load
    CHECK_STRAP 13, "S load from a U page, SUM=0"
    li      a2, VA(P_UDATA) + 0x10
    RUN_IN  PRV_S, s_store
    CHECK_STRAP 15, "S store to a U page, SUM=0"
    li      a0, MSTATUS_SUM
    csrs    mstatus, a0
    li      a2, VA(P_UDATA)
    RUN_IN  PRV_S, s_load
    CHECK_EXIT PRV_S, "S load from a U page, SUM=1"
    CHECK   a0, 0x11111111, "S load from a U page, SUM=1: value"
    li      a2, VA(P_UDATA) + 0x10
    li      a3, 0x55555555
    RUN_IN  PRV_S, s_store
    CHECK_EXIT PRV_S, "S store to a U page, SUM=1"
    lw      a0, page_a + 0x10
    CHECK   a0, 0x55555555, "S store to a U page, SUM=1: value"
    RUN_VA  PRV_S, VA(P_UCODE)
    CHECK_STRAP 12, "S fetch from a U page, SUM=1"
    CHECK_STVAL VA(P_UCODE), "S fetch from a U page, SUM=1"
    li      a0, MSTATUS_SUM
    csrc    mstatus, a0

/* ---- U-mode: only U pages ---- */
    RUN_VA  PRV_U, VA(P_UCODE) + CODE_AUIPC
    CHECK_EXIT PRV_U, "U fetch from a U page"
    CHECK   a1, VA(P_UCODE), "U fetch: auipc sees the virtual pc"
    li      a2, VA(P_UDATA) + 0x10
    RUN_VA  PRV_U, VA(P_UCODE) + CODE_LOAD
    CHECK_EXIT PRV_U, "U load from a U page"
    CHECK   a0, 0x55555555, "U load from a U page: value"
    li      a2, VA(P_UDATA) + 0x14
    li      a3, 0x66666666
    RUN_VA  PRV_U, VA(P_UCODE) + CODE_STORE
    CHECK_EXIT PRV_U, "U store to a U page"
    lw      a0, page_a + 0x14
    CHECK   a0, 0x66666666, "U store to a U page: value"
    li      a2, VA(P_DATA)
    RUN_VA  PRV_U, VA(P_UCODE) + CODE_LOAD
    CHECK_STRAP 13, "U load from an S page"
    CHECK_STVAL VA(P_DATA), "U load from an S page"
    li      a0, MSTATUS_SUM     /* SUM does not open S pages to U */
    csrs    mstatus, a0
    li      a2, VA(P_DATA) + 4
    RUN_VA  PRV_U, VA(P_UCODE) + CODE_STORE
    CHECK_STRAP 15, "U store to an S page, SUM=1"
    li      a0, MSTATUS_SUM
    csrc    mstatus, a0
    RUN_VA  PRV_U, VA(P_CODE)
    CHECK_STRAP 12, "U fetch from an S page"
    CHECK_SSTATUS MSTATUS_SPP, 0, "U fetch fault: SPP = U"

/* ---- A and D: set by the hardware on the first access (as QEMU does) ---- */
    li      a2, VA(P_AD)
    RUN_IN  PRV_S, s_load
    CHECK_EXIT PRV_S, "load from a page with A=0"
    GET_PTE l0, P_AD
    andi    a0, a0, PTE_AD
    CHECK   a0, PTE_A, "load sets A, not D"
    li      a2, VA(P_AD) + 4
    RUN_IN  PRV_S, s_store
    CHECK_EXIT PRV_S, "store to a page with D=0"
    GET_PTE l0, P_AD
    andi    a0, a0, PTE_AD
    CHECK   a0, PTE_AD, "store sets D"
    MAP     l0, P_AD, page_d, PTE_V | PTE_R | PTE_W
    sfence.vma
    li      a2, VA(P_AD) + 8
    RUN_IN  PRV_S, s_store
    GET_PTE l0, P_AD
    andi    a0, a0, PTE_AD
    CHECK   a0, PTE_AD, "first access a store: sets A and D"
    MAP     l0, P_AD, page_d, PTE_V | PTE_R
    sfence.vma
    li      a2, VA(P_AD) + 8
    RUN_IN  PRV_S, s_store
    CHECK_STRAP 15, "store to a read-only page with A=0"
    GET_PTE l0, P_AD
    andi    a0, a0, PTE_AD
    CHECK   a0, 0, "a faulting access sets neither A nor D"
    RUN_VA  PRV_S, VA(P_ADX) + CODE_AUIPC
    CHECK_EXIT PRV_S, "fetch from a page with A=0"
    GET_PTE l0, P_ADX
    andi    a0, a0, PTE_AD
    CHECK   a0, PTE_A, "fetch sets A, not D"

/* ---- MPRV: M-mode loads and stores translated as MPP's ---- */
    li      s1, MSTATUS_MPRV
    li      a0, MSTATUS_MPP
    csrc    mstatus, a0
    li      a0, MSTATUS_MPP_S
    csrs    mstatus, a0
    li      a2, VA(P_DATA)
    li      a0, 0
    TRY(csrs mstatus, s1; lw a0, 0(a2); csrc mstatus, s1)
    csrc    mstatus, s1
    CHECK_NO_TRAP "MPRV, MPP=S: load"
    CHECK   a0, 0x11111111, "MPRV, MPP=S: load translated"
    li      a3, 0x77777777
    li      a2, VA(P_DATA) + 0x18
    TRY(csrs mstatus, s1; sw a3, 0(a2); csrc mstatus, s1)
    csrc    mstatus, s1
    lw      a0, page_a + 0x18
    CHECK   a0, 0x77777777, "MPRV, MPP=S: store translated"
    li      a2, VA(P_NONE)
    TRY(csrs mstatus, s1; lw a0, 0(a2); csrc mstatus, s1)
    csrc    mstatus, s1
    CHECK_TRAP 13, "MPRV, MPP=S: load page fault in M"
    CHECK_TVAL VA(P_NONE), "MPRV, MPP=S: load page fault in M"
    li      a0, MSTATUS_MPP
    csrc    mstatus, a0         /* MPP = U */
    li      a2, VA(P_DATA)
    TRY(csrs mstatus, s1; lw a0, 0(a2); csrc mstatus, s1)
    csrc    mstatus, s1
    CHECK_TRAP 13, "MPRV, MPP=U: load from an S page"
    li      a2, VA(P_UDATA) + 0x14
    li      a0, 0
    TRY(csrs mstatus, s1; lw a0, 0(a2); csrc mstatus, s1)
    csrc    mstatus, s1
    CHECK_NO_TRAP "MPRV, MPP=U: load from a U page"
    CHECK   a0, 0x66666666, "MPRV, MPP=U: load from a U page: value"

/* ---- SFENCE.VMA: S rewrites a PTE, fences, and sees the new page ---- */
    li      a2, VA(P_SWAP)
    la      a4, l0 + P_SWAP * 4
    la      a5, page_b
    srli    a5, a5, 2
    ori     a5, a5, PTE_V | PTE_R | PTE_AD
    lw      a6, 0(a4)           /* the PTE for page_a */
    RUN_IN  PRV_S, s_sfence
    CHECK_EXIT PRV_S, "PTE rewrites with sfence.vma in S"
    CHECK   s2, 0x11111111, "before: page_a"
    CHECK   s3, 0x33333333, "after sfence.vma zero, zero: page_b"
    CHECK   s4, 0x11111111, "after sfence.vma va, zero: page_a"
    CHECK   s5, 0x33333333, "after sfence.vma zero, asid: page_b"

/* ---- a 32-bit instruction across two pages ---- */
    li      a0, 0
    RUN_VA  PRV_S, VA(P_ST1) + 0xffe
    CHECK_EXIT PRV_S, "instruction across two mapped pages"
    CHECK   a0, 0x55, "instruction across two pages executed"
    SET_PTE l0, P_ST2, 0
    sfence.vma
    RUN_VA  PRV_S, VA(P_ST1) + 0xffe
    CHECK_STRAP 12, "second half on an invalid page"
    CHECK_SEPC_REG s0, "second half on an invalid page"
    CHECK_STVAL VA(P_ST2), "second half on an invalid page"
    MAP     l0, P_ST2, straddle_2, PTE_V | PTE_R | PTE_AD
    sfence.vma
    RUN_VA  PRV_S, VA(P_ST1) + 0xffe
    CHECK_STRAP 12, "second half on a page without X"
    CHECK_STVAL VA(P_ST2), "second half on a page without X"

/* ---- satp back to bare: S sees physical addresses ---- */
    csrw    satp, zero
    sfence.vma
    la      a2, page_a
    RUN_IN  PRV_S, s_load
    CHECK_EXIT PRV_S, "S load with satp bare"
    CHECK   a0, 0x11111111, "S load with satp bare: physical"
    csrw    medeleg, zero

    TEST_END

/* ------------------------------------------------------------------------
 * S-mode code (in the identity megapage) */
s_load:
    lw      a0, 0(a2)
    EXIT
s_store:
    sw      a3, 0(a2)
    EXIT
s_amo:
    amoadd.w a0, a3, (a2)
    EXIT
/* a2 = VA(P_SWAP), a4 = its PTE's address, a5 = PTE for page_b, a6 = PTE
 * for page_a: s2..s5 = what a2 shows before and after each rewrite */
s_sfence:
    lw      s2, 0(a2)
    sw      a5, 0(a4)
    sfence.vma
    lw      s3, 0(a2)
    sw      a6, 0(a4)
    sfence.vma a2, zero
    lw      s4, 0(a2)
    sw      a5, 0(a4)
    li      a7, 0
    sfence.vma zero, a7
    lw      s5, 0(a2)
    sw      a6, 0(a4)
    sfence.vma
    EXIT

/* ---- pages of code, run at other virtual addresses (position independent) ---- */
    .section .text.pages, "ax", @progbits
    .option push
    .option norvc
    .balign 4096
code_page:                      /* + CODE_AUIPC */
    auipc   a1, 0
    EXIT
    .balign 64                  /* + CODE_LOAD */
    lw      a0, 0(a2)
    EXIT
    .balign 64                  /* + CODE_STORE */
    sw      a3, 0(a2)
    EXIT
    .balign 4096
straddle_1:
    .skip   0xffe
    .word   0x05500513          /* addi a0, zero, 0x55: 2 bytes on each page */
    .equ    straddle_2, straddle_1 + 0x1000
    EXIT
    .option pop

/* ---- tables and data pages ---- */
    .data
    .balign 4
alias_word:
    .word   0xa11a5a11

    .section .bss.pages, "aw", @nobits
    .balign 4096
root:   .space 4096
l0:     .space 4096
page_a: .space 4096
page_b: .space 4096
page_c: .space 4096
page_d: .space 4096
