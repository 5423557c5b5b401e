/* isa-isolation - the isolation attacks of issue 17 as guest-visible checks.
 *
 * Each attack once made minivisor's core use a stale or empty software-TLB
 * entry for an access that must fault: a misaligned word or halfword access
 * in virtual page 0 (va = 1 mod 4, or odd) matched an empty entry's tag and
 * went to host memory at the entry's old addend (kept by SFENCE.VMA with an
 * address) or at addend 0 (after a full flush: the "physical CPU", where the
 * core keeps the running guest's registers, PC and privilege).  The TLB index
 * is (va >> 12) & 0xff, so pages 0x80000000, 0x00100000, 0x7ff00000 ... all
 * share entry 0 with page 0.  A correct machine raises a fault every time, as
 * QEMU does:
 *
 *  1. S-mode under Sv32 (4 KiB pages only): map VA 0x00100000 (TLB index 0)
 *     to a RAM page, touch it, SFENCE.VMA it (another round: write satp
 *     instead), then misaligned accesses at 0x7d, 0x7f, 0x81 (and 0x1, 0x3)
 *     in unmapped page 0: page faults 13/15, stval = the address.  Edges:
 *     loads and stores across 2^31 (VA 0x7ffff000 and 0x80000000 mapped, or
 *     the first unmapped) and across 2^32 (VA 0xfffff000 mapped, page 0 not:
 *     the fault is at 0).
 *  2. M-mode: fill the read and write TLB entries of index 0 from RAM page
 *     0x80000000, SFENCE.VMA that page (then, another round, SFENCE.VMA x0),
 *     then load and store every alignment of page 0's offsets 0x000-0x003 and
 *     at 0x7d, 0x7f, 0x81: access faults.  The same at offsets 0xffc-0xfff of
 *     page 0 (below QEMU's boot ROM at 0x1000: never probe 0x1000-0xffff) and
 *     at 0xfffffffc-0xffffffff (a word at 0xfffffffe wraps around to 0).
 *     Not probed physically: 0x7ffffffc-0x7fffffff, which is QEMU's PCIe
 *     window (reads give all ones); part 1 probes that range under Sv32.
 *  3. U-mode (bare): loads and stores at 0x7d, 0x7f, 0x81 and `csrr mstatus`
 *     trap to M with MPP = U; a store at 0x81 (once the core's privilege
 *     byte) followed by `csrr mstatus` stops at the store.
 *  4. An odd PC: mepc and sepc written odd read back even; MRET/SRET to them
 *     land on the even address; JALR, C.JR and C.JALR to odd targets land on
 *     target & ~1, also at page offset 0xfff.
 * Attacks 5 (data left behind in the physical CPU) and 6 (a trap in the core)
 * are the host's to see: tests/isolation-attacks.test.ts runs this guest next
 * to victims and checks those too.
 *
 * QEMU 7.2 departs from the spec in three places, accepted and printed as the
 * spec's value so that both emulators print the same lines:
 *  - a misaligned load from an unmapped physical address: mtval is the address
 *    rounded down to the access size (0x7d -> 0x7c), which is not even part of
 *    the access; the spec's (and minivisor's) mtval is the first faulting byte.
 *    Stores, and page faults, give that byte on QEMU too.
 *  - mepc and sepc keep bit 0 as written (the spec: always 0 with C).
 *  - MRET/SRET then jump to the odd address itself.  That is accepted only on
 *    a hart whose mepc/sepc read back odd (QEMU), and only as the trap it
 *    gives there: the landing pad starts with a 4-byte NOP whose zero bytes
 *    1-2 decode, from the odd address, as the illegal instruction 0x0000.
 */
#include "priv.h"

#define PTE_V 0x01
#define PTE_R 0x02
#define PTE_W 0x04
#define PTE_X 0x08
#define PTE_A 0x40
#define PTE_D 0x80
#define PTE_DATA (PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
#define PTE_RAM  (PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D)
#define SATP_SV32 0x80000000

#define VA_INDEX0 0x00100000    /* a VA page that shares TLB entry 0 with page 0 */
#define MEDELEG_PF ((1 << 12) | (1 << 13) | (1 << 15))
#define SENTINEL 0x5a5a5a5a

/* CHECK_LOAD_TVAL addr, size, "name": mtval of a faulting load at addr: the
 * spec's addr, or QEMU's addr & ~(size - 1) for a misaligned one (above) */
.macro CHECK_LOAD_TVAL addr, size, name
    lw      t0, t_trap + T_TVAL
    li      t5, (\addr) & ~((\size) - 1)
    bne     t0, t5, 7f
    li      t0, \addr
7:
    CHECK   t0, \addr, "\name: mtval"
.endm

/* PROBE_M flush, op, size, addr, cause: the attack of issue 17 in M-mode.
 * Fill TLB entries 0 (read and write) from RAM page 0x80000000 (s0), drop
 * them (flush = page: SFENCE.VMA s0; all: SFENCE.VMA x0), then op at addr
 * must trap once with cause, mtval = addr. */
.macro PROBE_M flush, op, size, addr, cause
    lw      t1, 0(s0)
    sw      t1, 0(s0)
    .ifc \flush, page
    sfence.vma s0, zero
    .else
    sfence.vma
    .endif
    li      s1, \addr
    li      t1, SENTINEL
    TRY(\op t1, 0(s1))
    CHECK_TRAP \cause, "M, \flush flush: \op \addr"
    .if \cause == 5
    CHECK_LOAD_TVAL \addr, \size, "M, \flush flush: \op \addr"
    .else
    CHECK_TVAL \addr, "M, \flush flush: \op \addr"
    .endif
.endm

/* the loads and stores of each width at addr, M-mode */
.macro PROBE_M_ALL flush, addr
    PROBE_M \flush, lw, 4, \addr, 5
    PROBE_M \flush, sw, 4, \addr, 7
    PROBE_M \flush, lh, 2, \addr, 5
    PROBE_M \flush, sh, 2, \addr, 7
.endm

/* PROBE_S how, op, addr: attack 2 in S-mode under Sv32 (code at a2<how>_<op>).
 * Page faults are delegated to S: one trap there, scause 13 or 15, stval = addr. */
.macro PROBE_S how, op, addr, cause
    csrw    satp, s2            /* root; how = sfence: SFENCE.VMA VA_INDEX0, satp: satp = root2 */
    sfence.vma
    li      a2, VA_INDEX0
    li      a3, \addr
    mv      a4, s3
    li      t1, SENTINEL
    RUN_IN  PRV_S, a2\how\()_\op
    CHECK_STRAP \cause, "S, Sv32, \how: \op \addr"
    CHECK_STVAL \addr, "S, Sv32, \how: \op \addr"
.endm

/* RUN_OP mode, op, addr: run `op t1, 0(a3)` at addr in mode (code x_<op>) */
.macro RUN_OP mode, op, addr
    li      a3, \addr
    li      t1, SENTINEL
    RUN_IN  \mode, x_\op
.endm

/* PROBE_U op, size, addr, cause: attack 3, U-mode with satp bare: one trap
 * to M with cause, mtval = addr, MPP = U.  Before it, M empties the TLBs:
 * a U-mode access at these addresses once hit their empty entries. */
.macro PROBE_U op, size, addr, cause
    sfence.vma
    RUN_OP  PRV_U, \op, \addr
    CHECK_TRAP \cause, "U: \op \addr"
    .if \cause == 5
    CHECK_LOAD_TVAL \addr, \size, "U: \op \addr"
    .else
    CHECK_TVAL \addr, "U: \op \addr"
    .endif
    CHECK_MSTATUS MSTATUS_MPP, 0, "U: \op \addr: the trap saw MPP = U"
.endm

/* CHECK_SPEC_OR_QEMU_REG reg, expreg, "name": reg must equal expreg (the
 * spec), or expreg + 1 (QEMU 7.2: bit 0 kept), reported as the spec's */
.macro CHECK_SPEC_OR_QEMU_REG reg, expreg, name
    addi    t5, \expreg, 1
    bne     \reg, t5, 7f
    mv      \reg, \expreg
7:
    CHECK_REG \reg, \expreg, "\name"
.endm

/* LANDED xepc, mode, "name": after a RUN_AT to odd_land + 1 in mode, where it
 * went on.  Landed on odd_land: the pad EXITs from mode with a0 = odd_land.
 * On a hart whose xepc kept bit 0 (QEMU 7.2), also the trap QEMU gives there:
 * an illegal instruction 0x0000 at odd_land + 1.  Both print as the spec. */
.macro LANDED xepc, mode, name
    lw      t0, t_strap + X_MODE
    li      t5, \mode
    bne     t0, t5, 5f
    mv      a1, a0              /* it ran the pad: a0 = where it landed */
    j       6f
5:  andi    t0, \xepc, 1
    li      a1, 0xbad
    beqz    t0, 6f              /* xepc reads even: only the spec's landing counts */
    lw      t0, t_trap + T_COUNT
    li      t5, 1
    bne     t0, t5, 6f
    lw      t0, t_trap + T_CAUSE
    li      t5, 2
    bne     t0, t5, 6f
    lw      t0, t_trap + T_TVAL
    bnez    t0, 6f
    lw      t0, t_trap + T_EPC
    addi    t5, s5, 1
    bne     t0, t5, 6f
    mv      a1, s5              /* QEMU: trapped at the odd address itself */
6:
    CHECK_REG a1, s5, "\name"
.endm

/* table[index] = PTE for the page at symbol sym (clobbers t0-t2) */
.macro MAP table, index, sym, flags
    la      t0, \sym
    srli    t0, t0, 2
    ori     t0, t0, \flags
    la      t1, \table
    li      t2, (\index) * 4
    add     t1, t1, t2
    sw      t0, 0(t1)
.endm

/* table[index] = a pointer to the next-level table at symbol sym */
.macro POINT table, index, sym
    MAP     \table, \index, \sym, PTE_V
.endm

    PRIV_INIT "isa-isolation: issue 17's attacks on the TLB, page 0, privilege, odd PCs"

    csrw    medeleg, zero
    csrw    mideleg, zero
    csrw    mie, zero
    csrw    satp, zero
    li      s0, 0x80000000      /* RAM page with TLB index 0 */

/* ======== 1. S-mode, Sv32: a VA page with TLB index 0, then page 0 ========
 * First: with the bug, its stale addend pointed just below this guest's
 * RAM (the addend of VA 0x00100000 is RAM host + page - 0x00100000), into
 * the guest below it in the host's memory.  A core with the bug back shows
 * it as another guest changing, not only as failed checks here. */
    /* root[0x000] -> l0_low:  VA 0x00000000-0x003fffff, only VA_INDEX0 mapped
     * root[0x1ff] -> l0_2g:   VA 0x7ffff000 -> edge_page (0x7fffe000 unmapped)
     * root[0x200] -> l0_ram:  VA 0x80000000-0x803fffff onto RAM, 4 KiB pages
     * root[0x3ff] -> l0_top:  VA 0xfffff000 -> top_page
     * root2: the same entries (another satp value)
     * 4 KiB pages only: no megapage, so that SFENCE.VMA with an address
     * drops just that page's entries (it is what once kept the addend). */
    la      t3, l0_ram
    la      t4, _start
    srli    t4, t4, 2
    ori     t4, t4, PTE_RAM
    li      t5, 1024
1:  sw      t4, 0(t3)
    addi    t3, t3, 4
    addi    t4, t4, 0x1000 >> 2
    addi    t5, t5, -1
    bnez    t5, 1b
    MAP     l0_low, (VA_INDEX0 >> 12) & 0x3ff, target_page, PTE_DATA
    MAP     l0_2g, 0x3ff, edge_page, PTE_DATA
    MAP     l0_top, 0x3ff, top_page, PTE_DATA
    .irp    r, root, root2
    POINT   \r, 0x000, l0_low
    POINT   \r, 0x1ff, l0_2g
    POINT   \r, 0x200, l0_ram
    POINT   \r, 0x3ff, l0_top
    .endr
    la      s2, root
    srli    s2, s2, 12
    li      t0, SATP_SV32
    or      s2, s2, t0          /* s2 = satp for root */
    la      s3, root2
    srli    s3, s3, 12
    or      s3, s3, t0          /* s3 = satp for root2 */
    li      t0, MEDELEG_PF
    csrw    medeleg, t0

    /* the page with TLB index 0 works */
    csrw    satp, s2
    sfence.vma
    li      a3, VA_INDEX0 + 0x10
    li      t1, 0x600df00d
    RUN_IN  PRV_S, x_sw
    CHECK_EXIT PRV_S, "S, Sv32: store to VA 0x00100010"
    lw      a0, target_page + 0x10
    CHECK   a0, 0x600df00d, "S, Sv32: it reached its RAM page"

    /* round 1: SFENCE.VMA of VA 0x00100000 between the fill and the probe */
    PROBE_S sfence, lw, 0x7d, 13
    PROBE_S sfence, sw, 0x7d, 15
    PROBE_S sfence, lh, 0x7f, 13
    PROBE_S sfence, sh, 0x7f, 15
    PROBE_S sfence, lw, 0x81, 13
    PROBE_S sfence, sw, 0x81, 15
    PROBE_S sfence, lw, 0x1, 13
    PROBE_S sfence, sh, 0x3, 15
    /* round 2: satp changes (to root2) instead */
    PROBE_S satp, lw, 0x7d, 13
    PROBE_S satp, sw, 0x7d, 15
    PROBE_S satp, lh, 0x7f, 13
    PROBE_S satp, sh, 0x7f, 15
    PROBE_S satp, lw, 0x81, 13
    PROBE_S satp, sw, 0x81, 15
    PROBE_S satp, lw, 0x1, 13
    PROBE_S satp, sh, 0x3, 15
    csrw    satp, s2
    sfence.vma
    lw      a0, target_page + 0x10
    CHECK   a0, 0x600df00d, "S, Sv32: the index-0 page kept its word"

/* ---- Sv32 edges: across 2^31 and 2^32 ---- */
    li      t0, 0x44332211
    sw      t0, edge_page + 0xffc, t1
    li      t0, 0x88776655
    sw      t0, top_page + 0xffc, t1
    lhu     s4, 0(s0)           /* the first halfword of RAM (VA 0x80000000) */
    RUN_OP  PRV_S, lw, 0x7ffffffc
    CHECK_EXIT PRV_S, "S, Sv32: lw 0x7ffffffc"
    CHECK   t1, 0x44332211, "S, Sv32: lw 0x7ffffffc: value"
    RUN_OP  PRV_S, lw, 0x7ffffffe
    CHECK_EXIT PRV_S, "S, Sv32: lw 0x7ffffffe (across 2^31)"
    slli    a0, s4, 16
    li      t0, 0x4433
    or      a0, a0, t0
    CHECK_REG t1, a0, "S, Sv32: lw 0x7ffffffe: value from both pages"
    RUN_OP  PRV_S, lhu, 0x7fffffff
    CHECK_EXIT PRV_S, "S, Sv32: lhu 0x7fffffff (across 2^31)"
    andi    a0, s4, 0xff
    slli    a0, a0, 8
    ori     a0, a0, 0x44
    CHECK_REG t1, a0, "S, Sv32: lhu 0x7fffffff: value from both pages"
    RUN_OP  PRV_S, lw, 0x7fffeffe
    CHECK_STRAP 13, "S, Sv32: lw 0x7fffeffe (first page unmapped)"
    CHECK_STVAL 0x7fffeffe, "S, Sv32: lw 0x7fffeffe (first page unmapped)"
    RUN_OP  PRV_S, sw, 0x7fffeffd
    CHECK_STRAP 15, "S, Sv32: sw 0x7fffeffd (first page unmapped)"
    CHECK_STVAL 0x7fffeffd, "S, Sv32: sw 0x7fffeffd (first page unmapped)"
    RUN_OP  PRV_S, lw, 0xfffffffc
    CHECK_EXIT PRV_S, "S, Sv32: lw 0xfffffffc"
    CHECK   t1, 0x88776655, "S, Sv32: lw 0xfffffffc: value"
    RUN_OP  PRV_S, lw, 0xfffffffe
    CHECK_STRAP 13, "S, Sv32: lw 0xfffffffe (wraps to unmapped 0)"
    CHECK_STVAL 0, "S, Sv32: lw 0xfffffffe (wraps to unmapped 0)"
    RUN_OP  PRV_S, sw, 0xfffffffe
    CHECK_STRAP 15, "S, Sv32: sw 0xfffffffe (wraps to unmapped 0)"
    CHECK_STVAL 0, "S, Sv32: sw 0xfffffffe (wraps to unmapped 0)"
    RUN_OP  PRV_S, lh, 0xffffffff
    CHECK_STRAP 13, "S, Sv32: lh 0xffffffff (wraps to unmapped 0)"
    CHECK_STVAL 0, "S, Sv32: lh 0xffffffff (wraps to unmapped 0)"
    RUN_OP  PRV_S, sh, 0xffffffff
    CHECK_STRAP 15, "S, Sv32: sh 0xffffffff (wraps to unmapped 0)"
    CHECK_STVAL 0, "S, Sv32: sh 0xffffffff (wraps to unmapped 0)"
    RUN_OP  PRV_S, lbu, 0xffffffff
    CHECK_EXIT PRV_S, "S, Sv32: lbu 0xffffffff"
    CHECK   t1, 0x88, "S, Sv32: lbu 0xffffffff: value"
    lw      a0, top_page + 0xffc
    CHECK   a0, 0x88776655, "S, Sv32: faulting stores across 2^32 wrote nothing"
    csrw    satp, zero
    sfence.vma
    csrw    medeleg, zero

/* ======== 2. M-mode: page 0 after SFENCE.VMA of page 0x80000000 ======== */
    PROBE_M_ALL page, 0x0
    PROBE_M_ALL page, 0x1
    PROBE_M_ALL page, 0x2
    PROBE_M_ALL page, 0x3
    PROBE_M page, lb, 1, 0x1, 5
    PROBE_M page, sb, 1, 0x3, 7
    PROBE_M page, lw, 4, 0x7d, 5
    PROBE_M page, sw, 4, 0x7d, 7
    PROBE_M page, lh, 2, 0x7f, 5
    PROBE_M page, sh, 2, 0x7f, 7
    PROBE_M_ALL page, 0x81
    /* the end of page 0 (0x1000 up is QEMU's boot ROM: not probed) */
    PROBE_M_ALL page, 0xffc
    PROBE_M_ALL page, 0xffd
    PROBE_M_ALL page, 0xffe
    PROBE_M_ALL page, 0xfff
    PROBE_M page, lb, 1, 0xfff, 5
    PROBE_M page, sb, 1, 0xfff, 7

/* ---- the same after SFENCE.VMA x0 (every entry empty, no addend left) ---- */
    PROBE_M_ALL all, 0x1
    PROBE_M_ALL all, 0x3
    PROBE_M all, lw, 4, 0x7d, 5
    PROBE_M all, sw, 4, 0x7d, 7
    PROBE_M all, lh, 2, 0x7f, 5
    PROBE_M all, sh, 2, 0x7f, 7
    PROBE_M_ALL all, 0x81
    /* the top of the address space: a word at 0xfffffffe wraps to 0 */
    PROBE_M_ALL all, 0xfffffffc
    PROBE_M_ALL all, 0xfffffffd
    PROBE_M_ALL all, 0xfffffffe
    PROBE_M_ALL all, 0xffffffff
    PROBE_M all, lb, 1, 0xffffffff, 5
    PROBE_M all, sb, 1, 0xffffffff, 7

/* ======== 3. U-mode: the physical CPU's registers, PC and privilege ======== */
    PROBE_U lw, 4, 0x81, 5
    PROBE_U sw, 4, 0x81, 7
    PROBE_U lh, 2, 0x81, 5
    PROBE_U sh, 2, 0x81, 7
    PROBE_U lw, 4, 0x7d, 5
    PROBE_U sw, 4, 0x7d, 7
    PROBE_U lh, 2, 0x7f, 5
    PROBE_U sh, 2, 0x7f, 7
    PROBE_U lw, 4, 0x1, 5
    PROBE_U sh, 2, 0x3, 7
    sfence.vma
    RUN_IN  PRV_U, x_csr_mstatus
    CHECK_TRAP 2, "U: csrr mstatus"
    CHECK_TVAL 0x30002373, "U: csrr mstatus"
    CHECK_MSTATUS MSTATUS_MPP, 0, "U: csrr mstatus: the trap saw MPP = U"
    sfence.vma
    li      a0, 0
    RUN_IN  PRV_U, x_escalate
    CHECK_TRAP 7, "U: sw (privilege M) to 0x81, then csrr mstatus"
    CHECK_TVAL 0x81, "U: sw (privilege M) to 0x81, then csrr mstatus"
    CHECK_MSTATUS MSTATUS_MPP, 0, "U: sw to 0x81: the trap saw MPP = U"
    CHECK   a0, 0, "U: csrr mstatus after it never ran"

/* ======== 4. odd PCs ======== */
    la      s5, odd_land
    addi    a0, s5, 1
    csrw    mepc, a0
    csrr    s6, mepc            /* kept: s6 & 1 says whether mepc keeps bit 0 */
    mv      a0, s6
    CHECK_SPEC_OR_QEMU_REG a0, s5, "mepc written odd reads back even"
    addi    a0, s5, 3
    csrw    sepc, a0
    csrr    s7, sepc
    addi    a0, s5, 2
    mv      a1, s7
    CHECK_SPEC_OR_QEMU_REG a1, a0, "sepc written odd reads back even"

    /* MRET to odd_land + 1 (M-mode), then SRET to odd_land + 1 (S-mode) */
    li      a0, 0
    addi    t0, s5, 1
    RUN_AT  PRV_M, t0
    LANDED  s6, PRV_M, "mret to an odd mepc lands on the even address"
    li      a0, 0
    li      t0, MSTATUS_SPP
    csrs    mstatus, t0
    la      t0, x_sret
    addi    a1, s5, 1           /* x_sret: sepc = a1, sret */
    RUN_AT  PRV_S, t0
    LANDED  s7, PRV_S, "sret to an odd sepc lands on the even address"

    /* JALR, C.JR, C.JALR to odd targets: target & ~1 (both emulators) */
    addi    t0, s5, 1
    li      a0, 0
    jalr    t0                  /* the pad returns through ra */
    CHECK_REG a0, s5, "jalr to an odd target lands on target & ~1"
    addi    t0, s5, 1
    li      a0, 0
    la      ra, 1f
    c.jr    t0
    li      a0, 0xbad
1:  CHECK_REG a0, s5, "c.jr to an odd target lands on target & ~1"
    addi    t0, s5, 1
    li      a0, 0
    c.jalr  t0
    CHECK_REG a0, s5, "c.jalr to an odd target lands on target & ~1"
    la      t0, page_end + 0xfff
    li      a0, 0
    jalr    t0
    CHECK   a0, 0x1e, "jalr to page offset 0xfff runs the instruction at 0xffe"

    TEST_END

/* ------------------------------------------------------------------------ */

/* ------------------------------------------------------------------------
 * Code run in S or U mode (RUN_IN / RUN_OP): a3 = address, t1 = value */
    .text
    .balign 4
    .irp op, lw, lh, lhu, lb, lbu, sw, sh, sb
x_\op:
    \op     t1, 0(a3)
    EXIT
    .endr

x_csr_mstatus:
    csrr    t1, mstatus         /* 0x30002373 */
    EXIT

/* issue 17's attack 3: the byte at 0x84 was the core's privilege */
x_escalate:
    li      t1, 0x03000000
    sw      t1, 0x81(zero)
    csrr    a0, mstatus
    EXIT

x_sret:
    csrw    sepc, a1
    sret

/* Attack 2 (S-mode, Sv32): a2 = VA_INDEX0, a3 = probe address, a4 = satp
 * for root2.  a2sfence_OP: fill, SFENCE.VMA a2, probe; a2satp_OP: fill, satp = a4, probe. */
    .irp op, lw, lh, sw, sh
a2sfence_\op:
    lw      t0, 0(a2)
    sw      t0, 0(a2)
    sfence.vma a2, zero
    \op     t1, 0(a3)
    EXIT
a2satp_\op:
    lw      t0, 0(a2)
    sw      t0, 0(a2)
    csrw    satp, a4
    \op     t1, 0(a3)
    EXIT
    .endr

/* The odd-PC landing pad (4-aligned, no compressed code).  From odd_land:
 * a0 = odd_land, EXIT.  From odd_land + 1, bytes 1-2 of the NOP (0x0000)
 * are an illegal instruction. */
    .balign 4
    .option push
    .option norvc
odd_land:
    nop                         /* 0x00000013 */
    auipc   a0, 0
    addi    a0, a0, -4
    .option pop
    /* an xRET landing (inside RUN_AT: a resume address is set) EXITs; a
     * JALR/C.JR/C.JALR one returns through ra */
    la      t5, t_trap
    lw      t5, T_RESUME(t5)
    bnez    t5, 1f
    ret
1:  EXIT

/* A page whose last two bytes hold c.li a0, 0x1e, then ret on the next page */
    .section .text.pages, "ax", @progbits
    .balign 4096
page_end:
    .skip   0xffe
    c.li    a0, 0x1e
    ret

    .section .bss.pages, "aw", @nobits
    .balign 4096
root:        .space 4096
root2:       .space 4096
l0_low:      .space 4096
l0_2g:       .space 4096
l0_ram:      .space 4096
l0_top:      .space 4096
target_page: .space 4096
edge_page:   .space 4096
top_page:    .space 4096
