/* isa-priv-int - interrupts delegated to S-mode.
 *
 * The supervisor timer (STIP, set by M-mode through mip), the supervisor
 * software interrupt (SSIP, set by S-mode through sip) and the supervisor
 * external interrupt (SEIP: the UART's "transmitter empty" interrupt through
 * the PLIC's S-mode context 1, or M-mode writing mip.SEIP).  Checks when they
 * are taken (sstatus.SIE in S, always in U, never in M when delegated), masking
 * by sie, scause/sepc/sstatus on entry, vectored stvec, the priority of M-level
 * over S-level interrupts and SEI > SSI > STI, and not-delegated S-level
 * interrupts going to M.  Handlers: priv_lib.S (priv.h).
 */
#include "priv.h"

#define CLINT_MSIP       0x02000000
#define PLIC_PRIO_UART   0x0c000028  /* priority of source 10 */
#define PLIC_ENABLE_M    0x0c002000  /* context 0: hart 0 M-mode */
#define PLIC_ENABLE_S    0x0c002080  /* context 1: hart 0 S-mode */
#define PLIC_THRESHOLD_S 0x0c201000
#define PLIC_CLAIM_S     0x0c201004
#define UART_IER         0x10000001

#define INT(n) (MCAUSE_INT | (n))
#define MIP_ALL (MIP_SSIP | MIP_MSIP | MIP_STIP | MIP_SEIP | MIP_MEIP)  /* all but MTIP */

.macro SET_MIP bits
    li      a0, \bits
    csrs    mip, a0
.endm

/* PLIC register = value */
.macro MMIO_W addr, value
    li      t0, \addr
    li      t1, \value
    sw      t1, 0(t0)
.endm

/* spin a little so that an interrupt line set by a device reaches the hart */
.macro SETTLE
    li      t0, 100
1:  addi    t0, t0, -1
    bnez    t0, 1b
.endm

    PRIV_INIT "isa-priv-int: interrupts delegated to S-mode"

    csrw    medeleg, zero
    csrw    mideleg, zero
    csrw    mie, zero
    csrw    mip, zero
    csrw    satp, zero

/* ---- STIP, set by M in mip and delegated ---- */
    li      a0, MIP_STIP
    csrw    mideleg, a0
    csrw    mie, a0
    SET_MIP MIP_STIP
    csrr    a0, sip
    CHECK   a0, MIP_STIP, "STIP set by M shows in sip"
    TRY(csrsi mstatus, MSTATUS_MIE; nop; nop; csrci mstatus, MSTATUS_MIE)
    CHECK_NO_TRAP "delegated STI, M with MIE=1: not taken in M"
    csrci   mstatus, MSTATUS_SIE
    RUN_IN  PRV_S, s_spin
    CHECK_EXIT PRV_S, "STI pending, S with SIE=0: not taken"
    RUN_IN  PRV_S, s_enable
    CHECK_STRAP INT(IRQ_STI), "STI, S sets SIE"
    la      a1, s_enable_next
    CHECK_SEPC_REG a1, "STI taken right after SIE=1"
    CHECK_STVAL 0, "STI"
    CHECK_SSTATUS MSTATUS_SPP | MSTATUS_SPIE | MSTATUS_SIE, MSTATUS_SPP | MSTATUS_SPIE, "STI from S: SPP=S SPIE=1 SIE=0"
    csrci   mstatus, MSTATUS_SIE
    RUN_IN  PRV_U, s_spin
    CHECK_STRAP INT(IRQ_STI), "STI pending, entering U: taken at once"
    la      a1, s_spin
    CHECK_SEPC_REG a1, "STI taken in U"
    CHECK_SSTATUS MSTATUS_SPP, 0, "STI from U: SPP=U"
    /* sie gates it */
    csrw    sie, zero
    csrsi   mstatus, MSTATUS_SIE
    RUN_IN  PRV_S, s_spin
    CHECK_EXIT PRV_S, "STI pending, sie.STIE=0: not taken"
    RUN_IN  PRV_S, s_sie_stie
    CHECK_STRAP INT(IRQ_STI), "STI, S sets sie.STIE"
    la      a1, s_sie_next
    CHECK_SEPC_REG a1, "STI taken right after sie.STIE=1"
    csrr    a0, mie
    CHECK   a0, MIP_STIP, "sie.STIE written in S reached mie"
    /* vectored stvec: base + 4 * 5 */
    la      a0, s_vectors
    ori     a0, a0, 1
    csrw    stvec, a0
    csrsi   mstatus, MSTATUS_SIE
    RUN_IN  PRV_S, s_spin
    CHECK_STRAP INT(IRQ_STI), "STI with vectored stvec"
    lw      a0, t_strap + S_VEC
    CHECK   a0, 5, "STI at vector 5"
    la      a0, p_strap
    csrw    stvec, a0
    csrci   mstatus, MSTATUS_SIE
    li      a0, MIP_STIP
    csrc    mip, a0
    CHECK_CSR_MASKED mip, MIP_ALL, 0, "M cleared STIP"

/* ---- STI not delegated: to M, from M (MIE=1) and from S (always) ---- */
    csrw    mideleg, zero
    SET_MIP MIP_STIP
    TRY(csrsi mstatus, MSTATUS_MIE; nop; nop; csrci mstatus, MSTATUS_MIE)
    CHECK_TRAP INT(IRQ_STI), "STI not delegated, M with MIE=1"
    RUN_IN  PRV_S, s_spin
    CHECK_TRAP INT(IRQ_STI), "STI not delegated, in S with MIE=0"
    CHECK_MSTATUS MSTATUS_MPP, MSTATUS_MPP_S, "STI not delegated: MPP=S"
    csrw    mip, zero

/* ---- SSIP, set by S through sip ---- */
    li      a0, MIP_SSIP
    csrw    mideleg, a0
    csrw    mie, a0
    csrsi   mstatus, MSTATUS_SIE
    RUN_IN  PRV_S, s_ssip
    CHECK_STRAP INT(IRQ_SSI), "SSI, S sets sip.SSIP"
    la      a1, s_ssip_next
    CHECK_SEPC_REG a1, "SSI taken right after sip.SSIP=1"
    CHECK_CSR_MASKED mip, MIP_ALL, MIP_SSIP, "sip.SSIP written in S reached mip"
    RUN_IN  PRV_S, s_ssip_clear
    CHECK_EXIT PRV_S, "S clears sip.SSIP: no interrupt"
    CHECK_CSR_MASKED mip, MIP_ALL, 0, "sip.SSIP cleared in S"
    csrci   mstatus, MSTATUS_SIE

/* ---- priority: M-level before S-level, then SEI, SSI, STI ---- */
    li      a0, 0x222
    csrw    mideleg, a0
    li      a0, 0x222 | MIP_MSIP
    csrw    mie, a0
    MMIO_W  CLINT_MSIP, 1
    SET_MIP MIP_SSIP | MIP_STIP | MIP_SEIP
    csrsi   mstatus, MSTATUS_SIE
    RUN_IN  PRV_S, s_spin
    CHECK_TRAP INT(IRQ_MSI), "MSI, SEI, SSI, STI pending in S: MSI to M"
    lw      a0, t_strap + S_COUNT
    CHECK   a0, 0, "MSI first: S took nothing"
    MMIO_W  CLINT_MSIP, 0
    csrsi   mstatus, MSTATUS_SIE
    RUN_IN  PRV_S, s_spin
    /* The spec's order is SEI, SSI, STI.  QEMU 7.2 (without AIA) takes the
     * pending interrupt with the lowest number, SSI (1) before SEI (9). */
    CHECK_STRAP_SPEC_OR_QEMU INT(IRQ_SEI), INT(IRQ_SSI), "SEI, SSI, STI pending: SEI first"
    li      a0, MIP_SEIP
    csrc    mip, a0
    csrsi   mstatus, MSTATUS_SIE
    RUN_IN  PRV_S, s_spin
    CHECK_STRAP INT(IRQ_SSI), "SSI, STI pending: SSI first"
    li      a0, MIP_SSIP
    csrc    mip, a0
    csrsi   mstatus, MSTATUS_SIE
    RUN_IN  PRV_S, s_spin
    CHECK_STRAP INT(IRQ_STI), "then STI"
    csrw    mip, zero
    csrci   mstatus, MSTATUS_SIE

/* ---- SEIP written by M (the software-writable bit) ---- */
    li      a0, MIP_SEIP
    csrw    mideleg, a0
    csrw    mie, a0
    SET_MIP MIP_SEIP
    csrr    a0, sip
    CHECK   a0, MIP_SEIP, "mip.SEIP set by M shows in sip"
    csrsi   mstatus, MSTATUS_SIE
    RUN_IN  PRV_S, s_spin
    CHECK_STRAP INT(IRQ_SEI), "SEI from mip.SEIP"
    csrw    mip, zero
    CHECK_CSR_MASKED mip, MIP_ALL, 0, "mip.SEIP cleared by M"

/* ---- SEIP from the PLIC's S context: UART THR empty, source 10 ---- */
    csrci   mstatus, MSTATUS_SIE
    MMIO_W  PLIC_PRIO_UART, 1
    MMIO_W  PLIC_ENABLE_M, 0
    MMIO_W  PLIC_ENABLE_S, 1 << 10
    MMIO_W  PLIC_THRESHOLD_S, 1     /* priority 1 does not exceed 1 */
    li      t0, UART_IER
    li      t1, 0x02            /* THRI: THR is empty, so this fires at once */
    sb      t1, 0(t0)
    SETTLE
    CHECK_CSR_MASKED mip, MIP_ALL, 0, "UART irq, S threshold 1: no SEIP"
    MMIO_W  PLIC_THRESHOLD_S, 0
    SETTLE
    CHECK_CSR_MASKED mip, MIP_ALL, MIP_SEIP, "UART irq through PLIC context 1: mip.SEIP, not MEIP"
    TRY(csrsi mstatus, MSTATUS_MIE; nop; nop; csrci mstatus, MSTATUS_MIE)
    CHECK_NO_TRAP "delegated SEI, M with MIE=1: not taken in M"
    csrsi   mstatus, MSTATUS_SIE
    RUN_IN  PRV_S, s_spin
    CHECK_STRAP INT(IRQ_SEI), "SEI from the PLIC in S"
    la      a1, s_spin
    CHECK_SEPC_REG a1, "SEI taken on entry to S"
    /* Claim, then turn the UART's interrupt off before printing anything:
     * a print would raise the line again while the source is claimed, and
     * QEMU's PLIC then keeps it pending after the completion (its gateway
     * does not hold requests back until the completion, as the PLIC spec's
     * does); minivisor's PLIC follows the line. */
    li      t0, PLIC_CLAIM_S
    lw      a0, 0(t0)
    li      t0, UART_IER
    sb      zero, 0(t0)
    CHECK   a0, 10, "S context claim = UART (10)"
    SETTLE
    CHECK_CSR_MASKED mip, MIP_ALL, 0, "claimed: SEIP drops"
    li      t0, PLIC_CLAIM_S
    li      a0, 10
    sw      a0, 0(t0)           /* complete */
    SETTLE
    CHECK_CSR_MASKED mip, MIP_ALL, 0, "UART irq off, completed: no SEIP"

    /* A read-modify-write of mip works on the software-writable SEIP bit
     * only, not on the PLIC's line (privileged spec 1.12, 3.1.9): setting and
     * clearing SSIP while the PLIC holds SEIP must not latch SEIP. */
    li      t0, UART_IER
    li      t1, 0x02
    sb      t1, 0(t0)
    SETTLE
    CHECK_CSR_MASKED mip, MIP_ALL, MIP_SEIP, "UART irq on again: mip.SEIP"
    li      a0, MIP_SSIP
    csrs    mip, a0
    csrc    mip, a0
    li      t0, PLIC_CLAIM_S
    lw      a0, 0(t0)
    li      t0, UART_IER
    sb      zero, 0(t0)
    CHECK   a0, 10, "claim again = UART (10)"
    SETTLE
    CHECK_CSR_MASKED mip, MIP_ALL, 0, "csrs/csrc mip while the PLIC held SEIP: SEIP not latched"
    li      t0, PLIC_CLAIM_S
    li      a0, 10
    sw      a0, 0(t0)           /* complete */
    csrw    mip, zero
    MMIO_W  PLIC_ENABLE_S, 0
    MMIO_W  PLIC_PRIO_UART, 0
    csrci   mstatus, MSTATUS_SIE
    csrw    mie, zero
    csrw    mideleg, zero

    TEST_END

/* ------------------------------------------------------------------------
 * S- and U-mode code: spin a while, then EXIT (unless an interrupt comes) */
s_spin:
    li      t0, 2000
1:  addi    t0, t0, -1
    bnez    t0, 1b
    EXIT
s_enable:                       /* S: sstatus.SIE = 1 */
    csrsi   sstatus, MSTATUS_SIE
s_enable_next:
    j       s_spin
s_sie_stie:                     /* S: sie.STIE = 1 */
    li      a0, MIP_STIP
    csrs    sie, a0
s_sie_next:
    j       s_spin
s_ssip:                         /* S: sip.SSIP = 1 */
    li      a0, MIP_SSIP
    csrs    sip, a0
s_ssip_next:
    j       s_spin
s_ssip_clear:                   /* S: sip.SSIP = 0 */
    li      a0, MIP_SSIP
    csrc    sip, a0
    j       s_spin
