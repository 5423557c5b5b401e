/* isa-triggers - debug triggers (Sdtrig) as QEMU 7.2's virt hart has them:
 * tselect, tdata1..3 and tinfo read and written as QEMU does (two type-2
 * triggers, WARL fields, writes of other types ignored), then mcontrol
 * execute, load and store address breakpoints in M, S and U: a breakpoint
 * exception (cause 3) before the instruction or the access, with mepc = the
 * instruction and the access not done; the m/s/u bits select the modes;
 * disarming; two triggers at once.  Nothing is delegated except where said.
 *
 * mtval/stval of a trigger's breakpoint: the spec wants the address (the PC
 * for execute, the address of the access for a load or store), which
 * minivisor writes; QEMU 7.2 writes 0.  CHECK_BP_TVAL accepts both and
 * prints the same line either way.
 *
 * M-mode breakpoints are armed with mstatus.MIE = 1 (and mie = 0, so no
 * interrupt can come): without tcontrol, Sdtrig lets an M-mode trigger with
 * action 0 fire only then.  QEMU 7.2 fires either way.
 */
#include "priv.h"

#define TINFO    0x7a4
#define TCONTROL 0x7a5
#define MCONTEXT 0x7a8

#define MC_TYPE2 0x20000000
#define MC_M     (1 << 6)
#define MC_S     (1 << 4)
#define MC_U     (1 << 3)
#define MC_X     (1 << 2)
#define MC_W     (1 << 1)
#define MC_R     (1 << 0)
#define MC(bits) (MC_TYPE2 | (bits))
#define CSRR_A0(csr) (((csr) << 20) | 0x2573)

/* ARM n, tdata1, label: trigger n watches label (clobbers a0) */
.macro ARM n, ctl, addr
    li      a0, \n
    csrw    tselect, a0
    la      a0, \addr
    csrw    tdata2, a0
    li      a0, \ctl
    csrw    tdata1, a0
.endm

/* DISARM n: type 2, no mode and no access bits (a write of 0 would be ignored) */
.macro DISARM n
    li      a0, \n
    csrw    tselect, a0
    li      a0, MC_TYPE2
    csrw    tdata1, a0
.endm

/* M_TRY(...): TRY with mstatus.MIE = 1 (see above); MIE is 0 again after it */
#define M_TRY(...) csrsi mstatus, MSTATUS_MIE; TRY(__VA_ARGS__); csrci mstatus, MSTATUS_MIE

/* mtval of the last trap is the address in reg (spec) or 0 (QEMU 7.2) */
.macro CHECK_BP_TVAL reg, name
    lw      t0, t_trap + T_TVAL
    bnez    t0, 7f
    mv      t0, \reg
7:
    CHECK_REG t0, \reg, "\name: mtval"
.endm

.macro CHECK_BP_STVAL reg, name
    lw      t0, t_strap + S_TVAL
    bnez    t0, 7f
    mv      t0, \reg
7:
    CHECK_REG t0, \reg, "\name: stval"
.endm

/* CHECK_CSR csr, value, "name" (clobbers a0) */
.macro CHECK_CSR csr, value, name
    csrr    a0, \csr
    CHECK   a0, \value, "\name"
.endm

    PRIV_INIT "isa-triggers: debug triggers (tselect, tdata1-3, tinfo; mcontrol breakpoints)"

    csrw    medeleg, zero
    csrw    mideleg, zero
    csrw    mie, zero
    csrw    satp, zero

/* ---- the CSRs, as QEMU 7.2 has them ---- */
    CHECK_CSR tselect, 0, "tselect is 0 at reset"
    CHECK_CSR TINFO, 0x44, "tinfo: types 2 and 6"
    CHECK_CSR tdata1, MC_TYPE2, "tdata1 of trigger 0 at reset: type 2, nothing enabled"
    CHECK_CSR tdata2, 0, "tdata2 of trigger 0 at reset"
    CHECK_CSR tdata3, 0, "tdata3 of trigger 0 at reset"
    li      a0, 1
    csrw    tselect, a0
    CHECK_CSR tselect, 1, "tselect 1"
    CHECK_CSR tdata1, MC_TYPE2, "tdata1 of trigger 1 at reset"
    li      a0, 2
    csrw    tselect, a0
    CHECK_CSR tselect, 1, "tselect 2 is ignored: two triggers"
    li      a0, -1
    csrw    tselect, a0
    CHECK_CSR tselect, 1, "tselect -1 is ignored"
    li      a0, 0x22222220
    csrw    tdata2, a0
    csrw    tselect, zero
    CHECK_CSR tselect, 0, "tselect 0"
    li      a0, 0x11111110
    csrw    tdata2, a0
    CHECK_CSR tdata2, 0x11111110, "tdata2 of trigger 0"
    li      a0, 1
    csrw    tselect, a0
    CHECK_CSR tdata2, 0x22222220, "tdata2 of trigger 1: each trigger has its own"
    csrw    tselect, zero

    li      a0, 0x2fffffff
    csrw    tdata1, a0
    CHECK_CSR tdata1, 0x2003005f, "tdata1 type 2, all ones: sizelo, m s u, execute store load only"
    csrw    tdata1, zero
    CHECK_CSR tdata1, 0x2003005f, "tdata1 write of type 0 is ignored"
    li      a0, -1
    csrw    tdata1, a0
    CHECK_CSR tdata1, 0x2003005f, "tdata1 write of type 15 is ignored"
    li      a0, 0x3000005c
    csrw    tdata1, a0
    CHECK_CSR tdata1, 0x2003005f, "tdata1 write of type 3 is ignored"
    li      a0, 0x28000044
    csrw    tdata1, a0
    CHECK_CSR tdata1, 0x20000044, "tdata1 dmode reads 0"
    li      a0, 0x6fffffff
    csrw    tdata1, a0
    CHECK_CSR tdata1, 0x6180005f, "tdata1 type 6, all ones: vs vu, m s u, execute store load"
    li      a0, 0x60050041
    csrw    tdata1, a0
    CHECK_CSR tdata1, 0x60050041, "tdata1 type 6, size 5 kept"
    li      a0, 0x60040041
    csrw    tdata1, a0
    CHECK_CSR tdata1, 0x60000041, "tdata1 type 6, size 4 (6 bytes) becomes 0"
    li      a0, MC_TYPE2
    csrw    tdata1, a0
    CHECK_CSR tdata1, MC_TYPE2, "tdata1 back to type 2"
    li      a0, -1
    csrw    tdata3, a0
    CHECK_CSR tdata3, 0, "tdata3 writes are ignored"
    li      a0, -1
    csrw    TINFO, a0
    CHECK_CSR TINFO, 0x44, "tinfo writes are ignored"
    TRY(csrr a0, TCONTROL)
    CHECK_TRAP 2, "tcontrol is absent"
    TRY(csrr a0, MCONTEXT)
    CHECK_TRAP 2, "mcontext is absent"
    RUN_IN  PRV_S, x_tselect
    CHECK_TRAP 2, "tselect from S"
    CHECK_TVAL CSRR_A0(0x7a0), "tselect from S"
    csrw    tdata2, zero
    li      a0, 1
    csrw    tselect, a0
    csrw    tdata2, zero
    csrw    tselect, zero

/* ---- execute breakpoints in M (on small functions: a trap resumes after the TRY) ---- */
    ARM     0, MC(MC_M | MC_X), xm_fn
    li      a1, 0
    M_TRY(jal xm_fn)
    DISARM  0
    CHECK_TRAP 3, "execute, M"
    la      a2, xm_fn
    CHECK_MEPC_REG a2, "execute, M"
    CHECK_BP_TVAL a2, "execute, M"
    CHECK_MSTATUS MSTATUS_MPP, MSTATUS_MPP, "execute, M: taken from M"
    CHECK   a1, 0, "execute, M: the instruction did not run"
    M_TRY(jal xm_fn)
    CHECK_NO_TRAP "execute, M, disarmed"
    CHECK   a1, 1, "execute, M, disarmed: it runs"

    ARM     0, MC(MC_M | MC_X), xc_fn
    li      a1, 0
    M_TRY(jal xc_fn)
    DISARM  0
    CHECK_TRAP 3, "execute, M, compressed"
    la      a2, xc_fn
    CHECK_MEPC_REG a2, "execute, M, compressed"
    CHECK   a1, 0, "execute, M, compressed: the instruction did not run"

    ARM     0, MC(MC_M | MC_X), xm_second
    li      a1, 0
    M_TRY(jal xm_first)
    DISARM  0
    CHECK_TRAP 3, "execute, M, second instruction"
    la      a2, xm_second
    CHECK_MEPC_REG a2, "execute, M, second instruction"
    CHECK   a1, 1, "execute, M, second instruction: only the first ran"

    ARM     0, MC(MC_M | MC_X), xm_data
    la      a2, xm_data
    M_TRY(lw a1, 0(a2); sw a1, 0(a2))
    CHECK_NO_TRAP "execute trigger, a load and a store of its address"
    ARM     0, MC(MC_M), xm_fn
    M_TRY(jal xm_fn)
    CHECK_NO_TRAP "no access bit: no breakpoint"
    DISARM  0

/* ---- execute breakpoints in S and U: the m/s/u bits choose the modes ---- */
    ARM     0, MC(MC_S | MC_X), x_lower
    li      a1, 0
    RUN_IN  PRV_S, x_lower
    CHECK_TRAP 3, "execute, S"
    la      a2, x_lower
    CHECK_MEPC_REG a2, "execute, S"
    CHECK_BP_TVAL a2, "execute, S"
    CHECK_MSTATUS MSTATUS_MPP, MSTATUS_MPP_S, "execute, S: taken from S"
    CHECK   a1, 0, "execute, S: the instruction did not run"
    RUN_IN  PRV_U, x_lower
    CHECK_EXIT PRV_U, "execute, S-only trigger in U"
    CHECK   a1, 1, "execute, S-only trigger in U: it runs"
    RUN_IN  PRV_M, x_lower
    CHECK_EXIT PRV_M, "execute, S-only trigger in M"

    li      a0, MC(MC_U | MC_X)
    csrw    tdata1, a0
    li      a1, 0
    RUN_IN  PRV_U, x_lower
    CHECK_TRAP 3, "execute, U"
    CHECK_MEPC_REG a2, "execute, U"
    CHECK_BP_TVAL a2, "execute, U"
    CHECK_MSTATUS MSTATUS_MPP, 0, "execute, U: taken from U"
    CHECK   a1, 0, "execute, U: the instruction did not run"
    RUN_IN  PRV_S, x_lower
    CHECK_EXIT PRV_S, "execute, U-only trigger in S"

    li      a0, MC(MC_M | MC_X)
    csrw    tdata1, a0
    RUN_IN  PRV_S, x_lower
    CHECK_EXIT PRV_S, "execute, M-only trigger in S"
    RUN_IN  PRV_U, x_lower
    CHECK_EXIT PRV_U, "execute, M-only trigger in U"

    /* on the second instruction of the excursion: the first one ran */
    ARM     0, MC(MC_U | MC_S | MC_X), x_second
    li      a1, 0
    RUN_IN  PRV_U, x_first
    CHECK_TRAP 3, "execute, U, second instruction"
    la      a2, x_second
    CHECK_MEPC_REG a2, "execute, U, second instruction"
    CHECK   a1, 1, "execute, U, second instruction: only the first ran"

    /* delegated to S: scause 3, sepc, stval */
    li      a0, 1 << 3
    csrw    medeleg, a0
    ARM     0, MC(MC_U | MC_X), x_lower
    li      a1, 0
    RUN_IN  PRV_U, x_lower
    CHECK_STRAP 3, "execute, U, delegated"
    la      a2, x_lower
    CHECK_SEPC_REG a2, "execute, U, delegated"
    CHECK_BP_STVAL a2, "execute, U, delegated"
    CHECK   a1, 0, "execute, U, delegated: the instruction did not run"
    csrw    medeleg, zero
    DISARM  0

/* ---- load and store breakpoints in M ---- */
    ARM     0, MC(MC_M | MC_R), t_data + 4
    la      a2, t_data
    la      a3, t_data + 4
    li      a1, 0x5a
    M_TRY(l_lw: lw a1, 4(a2))
    CHECK_TRAP 3, "load, M, lw"
    la      a4, l_lw
    CHECK_MEPC_REG a4, "load, M, lw"
    CHECK_BP_TVAL a3, "load, M, lw"
    CHECK   a1, 0x5a, "load, M, lw: the register is not written"
    M_TRY(lbu a1, 4(a2))
    CHECK_TRAP 3, "load, M, lbu"
    CHECK_BP_TVAL a3, "load, M, lbu"
    M_TRY(l_clw: c.lw a1, 4(a2))
    CHECK_TRAP 3, "load, M, c.lw"
    la      a4, l_clw
    CHECK_MEPC_REG a4, "load, M, c.lw"
    M_TRY(lr.w a1, (a3))
    CHECK_TRAP 3, "load, M, lr.w"
    CHECK_BP_TVAL a3, "load, M, lr.w"
    M_TRY(lw a1, 2(a2))
    CHECK_TRAP 3, "load, M, misaligned lw over the address"
    CHECK_BP_TVAL a3, "load, M, misaligned lw over the address"
    M_TRY(lw a1, 0(a2))
    CHECK_NO_TRAP "load, M, the word before"
    CHECK   a1, 0x11111111, "load, M, the word before: loaded"
    M_TRY(lw a1, 8(a2))
    CHECK_NO_TRAP "load, M, the word after"
    CHECK   a1, 0x33333333, "load, M, the word after: loaded"
    /* other loads from its page came first: it still fires (no cached shortcut) */
    M_TRY(lw a1, 4(a2))
    CHECK_TRAP 3, "load, M, lw after loads of the same page"
    li      a1, 0x0badf00d
    M_TRY(sw a1, 4(a2))
    CHECK_NO_TRAP "load trigger, store"
    DISARM  0
    lw      a1, 4(a2)
    CHECK   a1, 0x0badf00d, "load trigger, store: stored"
    li      a1, 0x22222222
    sw      a1, 4(a2)

    ARM     0, MC(MC_M | MC_W), t_data + 8
    la      a3, t_data + 8
    li      a1, 0x77
    M_TRY(s_sw: sw a1, 8(a2))
    CHECK_TRAP 3, "store, M, sw"
    la      a4, s_sw
    CHECK_MEPC_REG a4, "store, M, sw"
    CHECK_BP_TVAL a3, "store, M, sw"
    M_TRY(sb a1, 8(a2))
    CHECK_TRAP 3, "store, M, sb"
    li      a1, 0x11111111
    M_TRY(sw a1, 0(a2))
    CHECK_NO_TRAP "store, M, another word of the page"
    li      a1, 0x77
    M_TRY(sw a1, 8(a2))
    CHECK_TRAP 3, "store, M, sw after a store to the same page"
    M_TRY(c.sw a1, 8(a2))
    CHECK_TRAP 3, "store, M, c.sw"
    li      a1, 0x77
    M_TRY(amoadd.w a1, a1, (a3))
    CHECK_TRAP 3, "store, M, amoadd.w"
    CHECK_BP_TVAL a3, "store, M, amoadd.w"
    CHECK   a1, 0x77, "store, M, amoadd.w: the register is not written"
    M_TRY(lr.w a1, (a3); s_sc: sc.w a1, a1, (a3))
    CHECK_TRAP 3, "store, M, sc.w after lr.w"
    la      a4, s_sc
    CHECK_MEPC_REG a4, "store, M, sc.w after lr.w"
    M_TRY(lw a1, 8(a2))
    CHECK_NO_TRAP "store trigger, load"
    CHECK   a1, 0x33333333, "store trigger, load: memory unchanged by the stores"
    DISARM  0

    ARM     0, MC(MC_M | MC_R | MC_W), t_data + 12
    la      a3, t_data + 12
    M_TRY(lw a1, 12(a2))
    CHECK_TRAP 3, "load and store trigger, lw"
    M_TRY(sw a1, 12(a2))
    CHECK_TRAP 3, "load and store trigger, sw"
    CHECK_BP_TVAL a3, "load and store trigger, sw"
    li      a0, MC_M
    csrc    tdata1, a0
    CHECK_CSR tdata1, MC(MC_R | MC_W), "m bit cleared"
    M_TRY(lw a1, 12(a2))
    CHECK_NO_TRAP "m bit cleared: lw in M"
    CHECK   a1, 0x44444444, "m bit cleared: loaded"
    DISARM  0

/* ---- load and store breakpoints in S and U ---- */
    ARM     0, MC(MC_U | MC_R), t_data + 4
    la      a3, t_data + 4
    li      a1, 0x5a
    RUN_IN  PRV_U, x_load
    CHECK_TRAP 3, "load, U"
    la      a4, x_load
    CHECK_MEPC_REG a4, "load, U"
    CHECK_BP_TVAL a3, "load, U"
    CHECK   a1, 0x5a, "load, U: the register is not written"
    RUN_IN  PRV_S, x_load
    CHECK_EXIT PRV_S, "load, U-only trigger in S"
    CHECK   a1, 0x22222222, "load, U-only trigger in S: loaded"
    M_TRY(lw a1, 4(a2))
    CHECK_NO_TRAP "load, U-only trigger in M"

    ARM     0, MC(MC_S | MC_W), t_data + 4
    li      a1, 0x66
    RUN_IN  PRV_S, x_store
    CHECK_TRAP 3, "store, S"
    la      a4, x_store
    CHECK_MEPC_REG a4, "store, S"
    CHECK_BP_TVAL a3, "store, S"
    CHECK_MSTATUS MSTATUS_MPP, MSTATUS_MPP_S, "store, S: taken from S"
    RUN_IN  PRV_S, x_load
    CHECK_EXIT PRV_S, "store trigger, load in S"
    CHECK   a1, 0x22222222, "store, S: memory unchanged"
    li      a1, 0x66
    RUN_IN  PRV_U, x_store
    CHECK_EXIT PRV_U, "store, S-only trigger in U"
    DISARM  0
    lw      a1, 4(a2)
    CHECK   a1, 0x66, "store, S-only trigger in U: stored"

/* ---- two triggers at once, and one disarmed ---- */
    ARM     0, MC(MC_M | MC_X), xm_fn
    ARM     1, MC(MC_M | MC_R), t_data + 12
    la      a3, t_data + 12
    M_TRY(lw a1, 12(a2))
    CHECK_TRAP 3, "two triggers: trigger 1 (load)"
    CHECK_BP_TVAL a3, "two triggers: trigger 1 (load)"
    M_TRY(jal xm_fn)
    CHECK_TRAP 3, "two triggers: trigger 0 (execute)"
    la      a4, xm_fn
    CHECK_MEPC_REG a4, "two triggers: trigger 0 (execute)"
    DISARM  1
    M_TRY(lw a1, 12(a2))
    CHECK_NO_TRAP "trigger 1 disarmed: load"
    M_TRY(jal xm_fn)
    CHECK_TRAP 3, "trigger 1 disarmed: trigger 0 still fires"
    DISARM  0
    M_TRY(jal xm_fn)
    CHECK_NO_TRAP "both disarmed"
    CHECK_CSR tselect, 0, "tselect after the last DISARM"

    TEST_END

/* ------------------------------------------------------------------------
 * Functions called in M (jal: ra is saved by TEST_INIT and every CHECK). */
xm_fn:      addi    a1, a1, 1
            ret
xc_fn:      c.addi  a1, 1
            ret
xm_first:   addi    a1, a1, 1
xm_second:  addi    a1, a1, 1
            ret

/* Code run in S or U (RUN_IN), each ending in EXIT. */
x_tselect:  csrr    a0, tselect
            EXIT
x_lower:    addi    a1, a1, 1
            EXIT
x_first:    addi    a1, a1, 1
x_second:   addi    a1, a1, 1
            EXIT
x_load:     lw      a1, 4(a2)
            EXIT
x_store:    sw      a1, 4(a2)
            EXIT

    .data
    .balign 16
t_data:     .word   0x11111111, 0x22222222, 0x33333333, 0x44444444
xm_data:    .word   0
