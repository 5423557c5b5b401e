/* isa-priv-traps - what S- and U-mode may not do: illegal-instruction traps
 * (mcause 2, mtval = the instruction bits) for WFI under TW and in U-mode,
 * SRET under TSR and in U-mode, satp and SFENCE.VMA under TVM, MRET below M,
 * CSRs of a more privileged level, counters hidden by mcounteren/scounteren,
 * and writes to read-only CSRs; and that each of them is allowed where it
 * should be.  Nothing is delegated: every trap lands in M (priv.h).
 *
 * No counter value is printed (they differ between emulators): only whether
 * the read trapped.
 */
#include "priv.h"

#define I_WFI        0x10500073
#define I_SRET       0x10200073
#define I_MRET       0x30200073
#define I_SFENCE     0x12000073     /* sfence.vma zero, zero */
#define CSRR_A0(csr) (((csr) << 20) | 0x2573)
#define CSRW_A0(csr) (((csr) << 20) | 0x51073)

/* EXPECT_ILLEGAL mode, label, bits, "name": the code at label traps to M
 * with an illegal instruction whose bits are `bits` */
.macro EXPECT_ILLEGAL mode, label, bits, name
    RUN_IN  \mode, \label
    CHECK_TRAP 2, "\name"
    CHECK_TVAL \bits, "\name"
.endm

/* EXPECT_OK mode, label, "name": the code at label runs to its EXIT */
.macro EXPECT_OK mode, label, name
    RUN_IN  \mode, \label
    CHECK_EXIT \mode, "\name"
.endm

.macro SET_MSTATUS bits
    li      a0, \bits
    csrs    mstatus, a0
.endm
.macro CLEAR_MSTATUS bits
    li      a0, \bits
    csrc    mstatus, a0
.endm

    PRIV_INIT "isa-priv-traps: privileged instructions and CSRs below M"

    csrw    medeleg, zero
    csrw    mideleg, zero
    csrw    mie, zero
    csrw    satp, zero

/* ---- WFI: TW traps it in S; in U it always traps (S-mode exists) ---- */
    SET_MSTATUS MSTATUS_TW
    EXPECT_ILLEGAL PRV_U, x_wfi, I_WFI, "wfi in U, TW=1"
    CLEAR_MSTATUS MSTATUS_TW
    EXPECT_ILLEGAL PRV_U, x_wfi, I_WFI, "wfi in U, TW=0"
    /* Where WFI is allowed, a delegated supervisor software interrupt is kept
     * pending and enabled in sie (masked by sstatus.SIE = 0 in S, by MIE = 0
     * in M), so that it returns at once instead of sleeping.  (In U-mode that
     * interrupt would be taken at once: S interrupts are always on below S.) */
    li      a0, MIP_SSIP
    csrw    mideleg, a0
    csrw    mie, a0
    csrs    mip, a0
    csrci   mstatus, MSTATUS_SIE
    SET_MSTATUS MSTATUS_TW
    EXPECT_ILLEGAL PRV_S, x_wfi, I_WFI, "wfi in S, TW=1"
    la      a1, x_wfi
    CHECK_MEPC_REG a1, "wfi in S, TW=1"
    RUN_IN  PRV_M, x_wfi
    CHECK_EXIT PRV_M, "wfi in M, TW=1"
    CLEAR_MSTATUS MSTATUS_TW
    EXPECT_OK PRV_S, x_wfi, "wfi in S, TW=0"
    csrw    mip, zero
    csrw    mie, zero
    csrw    mideleg, zero

/* ---- SRET: TSR traps it in S; never allowed in U ---- */
    SET_MSTATUS MSTATUS_SPP     /* an SRET that works returns to S */
    SET_MSTATUS MSTATUS_TSR
    EXPECT_ILLEGAL PRV_S, x_sret, I_SRET, "sret in S, TSR=1"
    la      a1, x_sret_insn
    CHECK_MEPC_REG a1, "sret in S, TSR=1"
    CLEAR_MSTATUS MSTATUS_TSR
    EXPECT_OK PRV_S, x_sret, "sret in S, TSR=0"
    EXPECT_ILLEGAL PRV_U, x_sret_insn, I_SRET, "sret in U"

/* ---- TVM: satp and SFENCE.VMA trap in S ---- */
    SET_MSTATUS MSTATUS_TVM
    EXPECT_ILLEGAL PRV_S, x_satp_r, CSRR_A0(0x180), "csrr satp in S, TVM=1"
    EXPECT_ILLEGAL PRV_S, x_satp_w, CSRW_A0(0x180), "csrw satp in S, TVM=1"
    EXPECT_ILLEGAL PRV_S, x_sfence, I_SFENCE, "sfence.vma in S, TVM=1"
    RUN_IN  PRV_M, x_satp_r
    CHECK_EXIT PRV_M, "csrr satp in M, TVM=1"
    RUN_IN  PRV_M, x_sfence
    CHECK_EXIT PRV_M, "sfence.vma in M, TVM=1"
    CLEAR_MSTATUS MSTATUS_TVM
    EXPECT_OK PRV_S, x_satp_r, "csrr satp in S, TVM=0"
    EXPECT_OK PRV_S, x_satp_w, "csrw satp (bare) in S, TVM=0"
    EXPECT_OK PRV_S, x_sfence, "sfence.vma in S, TVM=0"
    EXPECT_ILLEGAL PRV_U, x_sfence, I_SFENCE, "sfence.vma in U"
    EXPECT_ILLEGAL PRV_U, x_satp_r, CSRR_A0(0x180), "csrr satp in U"

/* ---- MRET below M ---- */
    EXPECT_ILLEGAL PRV_S, x_mret, I_MRET, "mret in S"
    EXPECT_ILLEGAL PRV_U, x_mret, I_MRET, "mret in U"

/* ---- CSRs of a higher privilege level ---- */
    EXPECT_ILLEGAL PRV_S, x_mstatus, CSRR_A0(0x300), "csrr mstatus in S"
    EXPECT_ILLEGAL PRV_S, x_mscratch, CSRW_A0(0x340), "csrw mscratch in S"
    EXPECT_ILLEGAL PRV_S, x_mhartid, CSRR_A0(0xf14), "csrr mhartid in S"
    EXPECT_ILLEGAL PRV_S, x_mcounteren, CSRW_A0(0x306), "csrw mcounteren in S"
    EXPECT_OK PRV_S, x_sstatus, "csrr sstatus in S"
    EXPECT_OK PRV_S, x_sscratch, "csrw/csrr sscratch in S"
    CHECK   a1, 0x5a5a1234, "sscratch written in S reads back"
    EXPECT_ILLEGAL PRV_U, x_sstatus, CSRR_A0(0x100), "csrr sstatus in U"
    EXPECT_ILLEGAL PRV_U, x_sscratch, CSRW_A0(0x140), "csrw sscratch in U"
    EXPECT_ILLEGAL PRV_U, x_mstatus, CSRR_A0(0x300), "csrr mstatus in U"

/* ---- counters: mcounteren gates S and U, scounteren gates U ---- */
    csrw    mcounteren, zero
    csrw    scounteren, zero
    EXPECT_ILLEGAL PRV_S, x_cycle, CSRR_A0(0xc00), "cycle in S, mcounteren=0"
    EXPECT_ILLEGAL PRV_S, x_time, CSRR_A0(0xc01), "time in S, mcounteren=0"
    EXPECT_ILLEGAL PRV_S, x_instret, CSRR_A0(0xc02), "instret in S, mcounteren=0"
    EXPECT_ILLEGAL PRV_S, x_cycleh, CSRR_A0(0xc80), "cycleh in S, mcounteren=0"
    EXPECT_ILLEGAL PRV_U, x_cycle, CSRR_A0(0xc00), "cycle in U, mcounteren=0"
    RUN_IN  PRV_M, x_cycle
    CHECK_EXIT PRV_M, "cycle in M, mcounteren=0"
    li      a0, 1               /* CY only */
    csrw    mcounteren, a0
    EXPECT_OK PRV_S, x_cycle, "cycle in S, mcounteren=CY"
    EXPECT_OK PRV_S, x_cycleh, "cycleh in S, mcounteren=CY"
    EXPECT_ILLEGAL PRV_S, x_instret, CSRR_A0(0xc02), "instret in S, mcounteren=CY"
    EXPECT_ILLEGAL PRV_U, x_cycle, CSRR_A0(0xc00), "cycle in U, mcounteren=CY scounteren=0"
    li      a0, 7
    csrw    mcounteren, a0
    EXPECT_OK PRV_S, x_time, "time in S, mcounteren=7"
    EXPECT_OK PRV_S, x_timeh, "timeh in S, mcounteren=7"
    EXPECT_OK PRV_S, x_instret, "instret in S, mcounteren=7"
    EXPECT_OK PRV_S, x_instreth, "instreth in S, mcounteren=7"
    EXPECT_ILLEGAL PRV_U, x_time, CSRR_A0(0xc01), "time in U, scounteren=0"
    li      a0, 4               /* IR only */
    csrw    scounteren, a0
    EXPECT_OK PRV_U, x_instret, "instret in U, scounteren=IR"
    EXPECT_ILLEGAL PRV_U, x_cycle, CSRR_A0(0xc00), "cycle in U, scounteren=IR"
    li      a0, 7
    csrw    scounteren, a0
    EXPECT_OK PRV_U, x_cycle, "cycle in U, both 7"
    EXPECT_OK PRV_U, x_time, "time in U, both 7"
    EXPECT_OK PRV_U, x_instreth, "instreth in U, both 7"
    csrw    mcounteren, zero
    EXPECT_ILLEGAL PRV_U, x_cycle, CSRR_A0(0xc00), "cycle in U, mcounteren=0 scounteren=7"
    EXPECT_OK PRV_S, x_scounteren, "scounteren writable in S"
    CHECK   a1, 5, "scounteren written in S reads back"

/* ---- read-only CSRs below M: a write traps, a read-only access does not ---- */
    li      a0, 7
    csrw    mcounteren, a0
    csrw    scounteren, a0
    EXPECT_ILLEGAL PRV_S, x_cycle_w, CSRW_A0(0xc00), "csrw cycle in S"
    EXPECT_ILLEGAL PRV_U, x_time_w, 0xc0116073, "csrsi time, 2 in U"
    EXPECT_OK PRV_U, x_time_rs0, "csrrs time, x0 in U"
    EXPECT_OK PRV_U, x_time_rsi0, "csrrsi time, 0 in U"
    csrw    mcounteren, zero
    csrw    scounteren, zero

    TEST_END

/* ------------------------------------------------------------------------
 * One privileged instruction each, then EXIT (if it did not trap). */
    .option push
    .option norvc
x_wfi:          wfi
                EXIT
x_sret:         la      a0, 1f  /* to S or U (SPP) at 1: */
                csrw    sepc, a0
x_sret_insn:    sret
1:              EXIT
x_satp_r:       csrr    a0, satp
                EXIT
x_satp_w:       li      a0, 0
                csrw    satp, a0
                EXIT
x_sfence:       sfence.vma
                EXIT
x_mret:         mret
x_mstatus:      csrr    a0, mstatus
                EXIT
x_mscratch:     csrw    mscratch, a0
                EXIT
x_mhartid:      csrr    a0, mhartid
                EXIT
x_mcounteren:   csrw    mcounteren, a0
                EXIT
x_sstatus:      csrr    a0, sstatus
                EXIT
x_sscratch:     li      a0, 0x5a5a1234
                csrw    sscratch, a0
                csrr    a1, sscratch
                EXIT
x_cycle:        csrr    a0, cycle
                EXIT
x_time:         csrr    a0, time
                EXIT
x_instret:      csrr    a0, instret
                EXIT
x_cycleh:       csrr    a0, cycleh
                EXIT
x_timeh:        csrr    a0, timeh
                EXIT
x_instreth:     csrr    a0, instreth
                EXIT
x_scounteren:   li      a0, 5
                csrw    scounteren, a0
                csrr    a1, scounteren
                EXIT
x_cycle_w:      csrw    cycle, a0
                EXIT
x_time_w:       csrsi   time, 2
                EXIT
x_time_rs0:     csrrs   a0, time, zero
                EXIT
x_time_rsi0:    csrrsi  a0, time, 0
                EXIT
    .option pop
