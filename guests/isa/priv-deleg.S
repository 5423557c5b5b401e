/* isa-priv-deleg - trap delegation and the S-mode views of M-mode CSRs.
 *
 * medeleg/mideleg (which bits exist), sstatus/sie/sip as restricted views of
 * mstatus/mie/mip, ECALL from U/S/M (causes 8/9/11), exceptions from U and S
 * delegated to S (scause, sepc, stval, SPP/SPIE/SIE) or not (to M, with MPP),
 * traps from M never delegated, and the modes and status bits of SRET and
 * MRET (including MPRV cleared on a return below M).  Everything runs on the
 * handlers of priv_lib.S (see priv.h).
 */
#include "priv.h"

#define DELEGABLE 0xb3ff        /* causes 0-9, 12, 13, 15 */

    PRIV_INIT "isa-priv-deleg: trap delegation, S views of M CSRs, xRET"

/* ---- medeleg, mideleg: which bits exist ---- */
    li      a0, -1
    csrw    medeleg, a0
    csrr    a0, medeleg
    li      a1, DELEGABLE
    and     a1, a0, a1
    CHECK   a1, DELEGABLE, "medeleg: causes 0-9, 12, 13, 15 delegable"
    /* The spec makes medeleg[11] (ECALL from M) read-only zero; QEMU 7.2
     * keeps it writable.  Both pass, printed as the spec says.  (QEMU's
     * default CPU also has the H extension: more bits, not checked.) */
    srli    a1, a0, 11
    andi    a1, a1, 1
    CHECK_SPEC_OR_QEMU a1, 0, 1, "medeleg[11] (ecall from M) is read-only 0"
    csrw    medeleg, zero
    csrr    a0, medeleg
    CHECK   a0, 0, "medeleg cleared"
    li      a0, -1
    csrw    mideleg, a0
    /* Only SSI, STI and SEI are S-level interrupts on RV32IMAC.  QEMU 7.2's
     * default CPU (rv32imafdch) has the H extension, whose VS and SGEI bits
     * (2, 6, 10, 12) are read-only one, and keeps LCOFI (13) writable. */
    csrr    a0, mideleg
    CHECK_SPEC_OR_QEMU a0, 0x222, 0x3666, "mideleg: only SSI, STI, SEI delegable"
    csrw    mideleg, zero

/* ---- sstatus: a view of mstatus ---- */
    li      a0, MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_SUM | MSTATUS_MXR | MSTATUS_MPIE | MSTATUS_MPP_S | MSTATUS_TW | MSTATUS_TSR | MSTATUS_TVM
    csrs    mstatus, a0
    csrr    a0, sstatus
    CHECK   a0, MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_SUM | MSTATUS_MXR, "sstatus shows SIE SPIE SPP SUM MXR only"
    csrw    sstatus, zero
    CHECK_CSR_MASKED mstatus, 0x00fe19aa, MSTATUS_MPIE | MSTATUS_MPP_S | MSTATUS_TW | MSTATUS_TSR | MSTATUS_TVM, "sstatus = 0 clears the S bits, keeps the M bits"
    li      a0, -1
    csrw    sstatus, a0
    CHECK_CSR_MASKED mstatus, 0x00fe19aa, MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_SUM | MSTATUS_MXR | MSTATUS_MPIE | MSTATUS_MPP_S | MSTATUS_TW | MSTATUS_TSR | MSTATUS_TVM, "sstatus = -1 sets the S bits only"
    csrw    sstatus, zero       /* (and FS, on QEMU's CPU with F) */
    li      a0, MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_SUM | MSTATUS_MXR | MSTATUS_MPIE | MSTATUS_MPP | MSTATUS_TW | MSTATUS_TSR | MSTATUS_TVM
    csrc    mstatus, a0

/* ---- sie: mie restricted to the delegated interrupts ---- */
    li      a0, 0x222
    csrw    mideleg, a0
    li      a0, 0xaaa
    csrw    mie, a0
    csrr    a0, sie
    CHECK   a0, 0x222, "sie = mie & mideleg (all S delegated)"
    li      a0, MIP_STIP
    csrw    mideleg, a0
    csrr    a0, sie
    CHECK   a0, MIP_STIP, "sie = mie & mideleg (STI delegated)"
    csrw    mie, zero
    li      a0, 0x222
    csrw    sie, a0
    csrr    a0, mie
    CHECK   a0, MIP_STIP, "sie write reaches only delegated bits of mie"
    csrw    mie, zero

/* ---- sip: mip restricted to the delegated interrupts; only SSIP writable ---- */
    li      a0, 0x222
    csrw    mideleg, a0
    li      a0, -1
    csrs    mip, a0
    CHECK_CSR_MASKED mip, 0x222, 0x222, "mip: SSIP STIP SEIP writable from M"
    csrr    a0, sip
    CHECK   a0, 0x222, "sip = mip & mideleg"
    li      a0, MIP_SSIP
    csrw    mideleg, a0
    csrr    a0, sip
    CHECK   a0, MIP_SSIP, "sip = mip & mideleg (SSI delegated)"
    li      a0, 0x222
    csrw    mideleg, a0
    csrw    sip, zero
    CHECK_CSR_MASKED mip, 0x222, MIP_STIP | MIP_SEIP, "sip = 0 clears SSIP only"
    csrw    mip, zero
    li      a0, -1
    csrw    sip, a0
    CHECK_CSR_MASKED mip, 0x222, MIP_SSIP, "sip = -1 sets SSIP only"
    csrw    mideleg, zero
    csrw    sip, zero
    CHECK_CSR_MASKED mip, 0x222, MIP_SSIP, "sip write ignored when SSI not delegated"
    csrw    mip, zero
    csrw    mie, zero

/* ---- ECALL from each mode, not delegated ---- */
    RUN_IN  PRV_U, u_ecall
    CHECK_TRAP 8, "ecall from U"
    la      a1, u_ecall
    CHECK_MEPC_REG a1, "ecall from U"
    CHECK_MSTATUS MSTATUS_MPP, 0, "ecall from U: MPP = U"
    RUN_IN  PRV_S, s_ecall
    CHECK_TRAP 9, "ecall from S"
    la      a1, s_ecall
    CHECK_MEPC_REG a1, "ecall from S"
    CHECK_MSTATUS MSTATUS_MPP, MSTATUS_MPP_S, "ecall from S: MPP = S"
    RUN_IN  PRV_M, s_ecall      /* the same code, in M */
    CHECK_TRAP 11, "ecall from M"
    CHECK_MSTATUS MSTATUS_MPP, MSTATUS_MPP, "ecall from M: MPP = M"

/* ---- delegated to S ---- */
    li      a0, 1 << 8
    csrw    medeleg, a0
    csrsi   mstatus, MSTATUS_SIE /* U's SIE: saved in SPIE */
    li      a0, 0x5a5a5a5a
    csrw    stval, a0           /* must be overwritten with 0 */
    RUN_IN  PRV_U, u_ecall
    CHECK_STRAP 8, "ecall from U, delegated"
    CHECK_STVAL 0, "ecall from U, delegated"
    la      a1, u_ecall
    CHECK_SEPC_REG a1, "ecall from U, delegated"
    CHECK_SSTATUS MSTATUS_SPP | MSTATUS_SPIE | MSTATUS_SIE, MSTATUS_SPIE, "trap from U with SIE=1: SPP=U SPIE=1 SIE=0"
    lw      a0, t_trap + T_COUNT
    CHECK   a0, 0, "ecall from U, delegated: M sees nothing"
    csrci   mstatus, MSTATUS_SIE
    RUN_IN  PRV_U, u_ecall
    CHECK_SSTATUS MSTATUS_SPP | MSTATUS_SPIE | MSTATUS_SIE, 0, "trap from U with SIE=0: SPP=U SPIE=0 SIE=0"

    /* EXIT from U goes through S now (ECALL from U is delegated): an exit */
    RUN_IN  PRV_U, u_exit
    CHECK_EXIT PRV_U, "U code, ecall delegated"
    lw      a0, t_strap + S_COUNT
    CHECK   a0, 0, "U exit through S: S records nothing"

    li      a0, (1 << 2) | (1 << 3) | (1 << 5) | (1 << 7)
    csrw    medeleg, a0
    RUN_IN  PRV_U, u_illegal
    CHECK_STRAP 2, "csrr mstatus in U, delegated"
    CHECK_STVAL 0x30002573, "csrr mstatus in U, delegated"
    la      a1, u_illegal
    CHECK_SEPC_REG a1, "illegal in U, delegated"
    RUN_IN  PRV_U, u_ebreak
    CHECK_STRAP 3, "ebreak in U, delegated"
    CHECK_STVAL 0, "ebreak in U, delegated"

    csrsi   mstatus, MSTATUS_SIE
    RUN_IN  PRV_S, s_illegal
    CHECK_STRAP 2, "illegal in S, delegated"
    CHECK_STVAL 0x0000707f, "illegal in S, delegated"
    la      a1, s_illegal
    CHECK_SEPC_REG a1, "illegal in S, delegated"
    CHECK_SSTATUS MSTATUS_SPP | MSTATUS_SPIE | MSTATUS_SIE, MSTATUS_SPP | MSTATUS_SPIE, "trap from S with SIE=1: SPP=S SPIE=1 SIE=0"
    csrci   mstatus, MSTATUS_SIE
    RUN_IN  PRV_S, s_load0
    CHECK_STRAP 5, "load from 0x0 in S, delegated"
    CHECK_STVAL 0, "load from 0x0 in S, delegated"
    CHECK_SSTATUS MSTATUS_SPP | MSTATUS_SPIE | MSTATUS_SIE, MSTATUS_SPP, "trap from S with SIE=0: SPP=S SPIE=0 SIE=0"
    RUN_IN  PRV_S, s_store
    CHECK_STRAP 7, "store to 0xf0000008 in S, delegated"
    CHECK_STVAL 0xf0000008, "store to 0xf0000008 in S, delegated"
    lw      a0, t_strap + S_VEC
    CHECK   a0, -1, "direct stvec: the handler at base"

    /* vectored stvec: exceptions still go to base */
    la      a0, s_vectors
    ori     a0, a0, 1
    csrw    stvec, a0
    csrr    a1, stvec
    CHECK_REG a1, a0, "stvec vectored mode reads back"
    RUN_IN  PRV_U, u_illegal
    CHECK_STRAP 2, "illegal in U, vectored stvec"
    lw      a0, t_strap + S_VEC
    CHECK   a0, 0, "vectored stvec: exception at base"
    la      a0, p_strap
    ori     a1, a0, 2           /* mode 2 is reserved: the write is ignored */
    csrw    stvec, a1
    csrr    a1, stvec
    la      a0, s_vectors
    ori     a0, a0, 1
    CHECK_REG a1, a0, "stvec mode 2 write ignored"
    la      a0, p_strap
    csrw    stvec, a0

/* ---- not delegated: to M, even from S; traps from M never go to S ---- */
    li      a0, 1 << 3
    csrw    medeleg, a0
    li      a0, 0x11111110
    csrw    sepc, a0
    RUN_IN  PRV_U, u_illegal
    CHECK_TRAP 2, "illegal in U, ebreak delegated"
    CHECK_MSTATUS MSTATUS_MPP, 0, "illegal in U to M: MPP = U"
    RUN_IN  PRV_S, s_illegal
    CHECK_TRAP 2, "illegal in S, not delegated"
    CHECK_TVAL 0x0000707f, "illegal in S, not delegated"
    CHECK_MSTATUS MSTATUS_MPP, MSTATUS_MPP_S, "illegal in S to M: MPP = S"
    csrr    a0, sepc
    CHECK   a0, 0x11111110, "a trap to M leaves sepc alone"
    RUN_IN  PRV_M, m_ebreak
    CHECK_TRAP 3, "ebreak in M, delegated: still to M"
    lw      a0, t_strap + S_COUNT
    CHECK   a0, 0, "ebreak in M, delegated: S sees nothing"
    csrw    medeleg, zero

/* ---- MRET: to S and U; MPRV cleared unless MPP = M ----
 * Privileged spec 1.12: an xRET to a mode below M clears MPRV.  QEMU 7.2 does
 * not (8.0 does); the MPRV checks accept both. */
    li      a0, MSTATUS_MPRV
    csrs    mstatus, a0
    RUN_IN  PRV_S, s_exit
    CHECK_EXIT PRV_S, "mret to S"
    csrr    a0, mstatus
    li      a1, MSTATUS_MPRV
    and     a0, a0, a1
    CHECK_SPEC_OR_QEMU a0, 0, MSTATUS_MPRV, "mret to S clears MPRV"
    li      a0, MSTATUS_MPRV
    csrs    mstatus, a0
    RUN_IN  PRV_U, s_exit
    CHECK_EXIT PRV_U, "mret to U"
    csrr    a0, mstatus
    li      a1, MSTATUS_MPRV
    and     a0, a0, a1
    CHECK_SPEC_OR_QEMU a0, 0, MSTATUS_MPRV, "mret to U clears MPRV"
    li      a0, MSTATUS_MPRV
    csrs    mstatus, a0
    RUN_IN  PRV_M, m_mstatus
    CHECK_EXIT PRV_M, "mret to M"
    li      a0, MSTATUS_MPRV
    and     a0, s1, a0
    CHECK   a0, MSTATUS_MPRV, "mret to M keeps MPRV"
    li      a0, MSTATUS_MPRV
    csrc    mstatus, a0

/* ---- SRET: to SPP's mode; SIE <- SPIE, SPIE <- 1, SPP <- U ---- */
    RUN_IN  PRV_S, s_sret_to_u
    CHECK_EXIT PRV_U, "sret with SPP=U"
    RUN_IN  PRV_S, s_sret_to_s
    CHECK_EXIT PRV_S, "sret with SPP=S"
    li      a0, MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP
    and     a1, s1, a0
    CHECK   a1, MSTATUS_SIE | MSTATUS_SPIE, "sret with SPIE=1: SIE=1 SPIE=1 SPP=U"
    and     a1, s2, a0
    CHECK   a1, MSTATUS_SPIE, "sret with SPIE=0: SIE=0 SPIE=1 SPP=U"
    li      a0, MSTATUS_TSR | MSTATUS_MPRV
    csrs    mstatus, a0
    RUN_IN  PRV_M, m_sret
    CHECK_EXIT PRV_S, "sret in M (TSR=1) with SPP=S"
    csrr    a0, mstatus
    li      a1, MSTATUS_MPRV
    and     a0, a0, a1
    CHECK_SPEC_OR_QEMU a0, 0, MSTATUS_MPRV, "sret clears MPRV"
    li      a0, MSTATUS_TSR
    csrc    mstatus, a0

    TEST_END

/* ------------------------------------------------------------------------
 * Code run in S or U mode (the mode is the RUN_IN's).  Each piece either
 * traps on its first instruction or EXITs. */
u_ecall:
s_ecall:
    ecall
u_exit:
s_exit:
    EXIT
u_illegal:
    csrr    a0, mstatus
u_ebreak:
    .option push
    .option norvc
    ebreak
    .option pop
s_illegal:
    .word   0x0000707f          /* valid opcode, unused funct3 */
s_load0:
    lw      a0, 0(zero)
s_store:
    li      a0, 0xf0000000
    sw      a0, 8(a0)
m_ebreak:
    ebreak

s_sret_to_u:                    /* S: sret to s_exit in U */
    li      a0, MSTATUS_SPP
    csrc    sstatus, a0
    la      a0, s_exit
    csrw    sepc, a0
    sret
s_sret_to_s:                    /* S: sret twice into S, reading sstatus after each */
    li      a0, MSTATUS_SPP | MSTATUS_SPIE
    csrs    sstatus, a0
    csrci   sstatus, MSTATUS_SIE
    la      a0, 1f
    csrw    sepc, a0
    sret
1:  csrr    s1, sstatus
    csrci   sstatus, MSTATUS_SIE
    li      a0, MSTATUS_SPIE
    csrc    sstatus, a0
    li      a0, MSTATUS_SPP
    csrs    sstatus, a0
    la      a0, 2f
    csrw    sepc, a0
    sret
2:  csrr    s2, sstatus
    EXIT
m_mstatus:                      /* M: s1 = mstatus */
    csrr    s1, mstatus
    EXIT
m_sret:                         /* M: sret to s_exit in S */
    li      a0, MSTATUS_SPP
    csrs    mstatus, a0
    la      a0, s_exit
    csrw    sepc, a0
    sret
