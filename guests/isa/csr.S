/* isa-csr - Zicsr: the six CSR instructions and their read/write rules
 * (rs1 = x0 or uimm = 0 means "no write"), mscratch, misa, mhartid, the
 * counters (a write replaces that instruction's increment; mcountinhibit), and
 * illegal-instruction traps for writes to read-only CSRs.
 * Nothing prints a value that differs between emulators (counter values,
 * vendor ids): only relations between them are checked. */
#include "test.h"

/* EXACT_COUNTER flag, csr: flag = 1 if csr moves by exactly one per instruction
 * (three probes across a nop), else 0.  Clobbers t0-t2. */
.macro EXACT_COUNTER flag, csr
    li      \flag, 1
    li      t1, 3
.Lprobe\@:
    csrr    t0, \csr
    nop
    csrr    t2, \csr
    sub     t2, t2, t0
    addi    t2, t2, -2
    beqz    t2, .Lexact\@
    li      \flag, 0
.Lexact\@:
    addi    t1, t1, -1
    bnez    t1, .Lprobe\@
.endm

/* CHECK_IF_EXACT flag, reg, value, "name": CHECK reg == value where flag is 1;
 * where it is 0 the value is not portable and the check passes as printed. */
.macro CHECK_IF_EXACT flag, reg, value, name
    bnez    \flag, .Lchk\@
    li      \reg, \value
.Lchk\@:
    CHECK   \reg, \value, "\name"
.endm

    TEST_INIT "isa-csr: control and status registers"

/* ---- the six instructions, on mscratch ---- */
    li      a0, 0x12345678
    csrw    mscratch, a0
    csrr    a1, mscratch
    CHECK   a1, 0x12345678, "csrw/csrr mscratch"
    li      a0, 0xa5a5a5a5
    csrrw   a1, mscratch, a0
    CHECK   a1, 0x12345678, "csrrw returns old"
    csrr    a1, mscratch
    CHECK   a1, 0xa5a5a5a5, "csrrw writes new"
    li      a0, 0x0000ffff
    csrrs   a1, mscratch, a0
    CHECK   a1, 0xa5a5a5a5, "csrrs returns old"
    csrr    a1, mscratch
    CHECK   a1, 0xa5a5ffff, "csrrs sets bits"
    li      a0, 0xff0000f0
    csrrc   a1, mscratch, a0
    CHECK   a1, 0xa5a5ffff, "csrrc returns old"
    csrr    a1, mscratch
    CHECK   a1, 0x00a5ff0f, "csrrc clears bits"
    csrrwi  a1, mscratch, 0x1f
    CHECK   a1, 0x00a5ff0f, "csrrwi returns old"
    csrr    a1, mscratch
    CHECK   a1, 0x1f, "csrrwi writes zero-extended uimm"
    csrrci  a1, mscratch, 0x15
    csrr    a1, mscratch
    CHECK   a1, 0x0a, "csrrci clears bits"
    csrrsi  a1, mscratch, 0x11
    CHECK   a1, 0x0a, "csrrsi returns old"
    csrr    a1, mscratch
    CHECK   a1, 0x1b, "csrrsi sets bits"
    csrrs   a1, mscratch, zero
    CHECK   a1, 0x1b, "csrrs x0 reads"
    li      a0, 0x55
    csrrw   a0, mscratch, a0    /* rd = rs1: the old value comes back, new is written */
    CHECK   a0, 0x1b, "csrrw rd=rs1 old"
    csrr    a1, mscratch
    CHECK   a1, 0x55, "csrrw rd=rs1 new"
    csrrw   zero, mscratch, zero
    csrr    a1, mscratch
    CHECK   a1, 0, "csrrw rd=x0 still writes"

/* ---- identification ---- */
    csrr    a0, misa
    srli    a1, a0, 30
    CHECK   a1, 1, "misa MXL = 1 (32-bit)"
    li      a2, (1 << 0) | (1 << 2) | (1 << 8) | (1 << 12)   /* A C I M */
    and     a1, a0, a2
    CHECK   a1, (1 << 0) | (1 << 2) | (1 << 8) | (1 << 12), "misa has I M A C"
    csrr    a0, mhartid
    CHECK   a0, 0, "mhartid = 0"
    TRY(csrr a0, mvendorid; csrr a0, marchid; csrr a0, mimpid)
    CHECK_NO_TRAP "mvendorid/marchid/mimpid readable"

/* ---- WARL details ---- */
    la      a0, t_trap_handler
    csrr    a1, mtvec
    CHECK_REG a1, a0, "mtvec reads back (direct mode)"
    /* Not checked: the spec says mepc bit 0 always reads 0, but QEMU 7.2
     * stores and returns it as written (it masks only when MRET jumps). */
    li      a0, 0x80001234
    csrw    mepc, a0
    csrr    a1, mepc
    CHECK   a1, 0x80001234, "mepc reads back"
    csrr    s0, mstatus
    csrsi   mstatus, 8
    csrr    a0, mstatus
    andi    a0, a0, 8
    CHECK   a0, 8, "mstatus.MIE settable"
    csrci   mstatus, 8
    csrr    a0, mstatus
    andi    a0, a0, 8
    CHECK   a0, 0, "mstatus.MIE clearable"
    csrw    mstatus, s0

/* ---- counters: only "they move forward" is portable ---- */
    csrr    s0, minstret
    li      a0, 100
1:  addi    a0, a0, -1
    bnez    a0, 1b
    csrr    s1, minstret
    sltu    a0, s0, s1
    CHECK   a0, 1, "minstret increases"
    csrr    s0, mcycle
    li      a0, 100
1:  addi    a0, a0, -1
    bnez    a0, 1b
    csrr    s1, mcycle
    sltu    a0, s0, s1
    CHECK   a0, 1, "mcycle increases"
    csrr    s0, minstret
    rdinstret s1                /* user alias of minstret */
    sltu    a0, s1, s0
    CHECK   a0, 0, "instret alias >= minstret"
    rdcycle s0
    rdcycle s1
    sltu    a0, s1, s0
    CHECK   a0, 0, "cycle alias does not go back"
    TRY(csrr a0, minstreth; csrr a0, mcycleh; rdinstreth a0; rdcycleh a0; rdtimeh a0)
    CHECK_NO_TRAP "high halves readable"
    li      t0, 0x0200bff8      /* CLINT mtime */
    lw      s0, 0(t0)
    rdtime  s1
    sub     a0, s1, s0
    srli    a0, a0, 31          /* time - mtime is not negative */
    CHECK   a0, 0, "time CSR follows CLINT mtime"
    /* M-mode counters are writable (the value read back is not checked:
     * without -icount QEMU's minstret counts host ticks, not instructions). */
    TRY(csrr a0, minstret; csrw minstret, a0; csrr a0, mcycle; csrw mcycle, a0)
    CHECK_NO_TRAP "minstret/mcycle writable"

/* ---- counter writes (Zicsr): the write is done instead of the increment, "a
 * value written to instret by one instruction will be the value read by the
 * following instruction"; a write to one counter leaves the others running.
 * Values are checked only on a hart whose counter moves by exactly one per
 * instruction (minivisor, always; not QEMU without -icount, where minstret and
 * mcycle are host ticks): elsewhere the check passes as it is printed, so every
 * emulator prints the same lines. */
    EXACT_COUNTER s2, minstret
    EXACT_COUNTER s3, mcycle
    csrwi   minstret, 0
    csrr    a0, minstret
    CHECK_IF_EXACT s2, a0, 0, "minstret written: next instruction reads it"
    li      t0, 0xffffffff
    csrw    minstret, t0
    csrw    minstreth, t0       /* no increment here either: 2^64 - 1 */
    nop                         /* wraps to 0 */
    csrr    a0, minstret
    csrr    a1, minstreth
    CHECK_IF_EXACT s2, a0, 0, "minstret wraps after minstreth write"
    CHECK_IF_EXACT s2, a1, 0, "minstreth wraps with it"
    li      t0, 1000
    csrw    mcycle, t0
    csrr    a0, mcycle
    CHECK_IF_EXACT s3, a0, 1000, "mcycle written: next instruction reads it"
    csrr    s0, mcycle
    csrwi   minstret, 0         /* moves minstret back: not mcycle */
    csrr    s1, mcycle
    sub     a0, s1, s0
    CHECK_IF_EXACT s3, a0, 2, "minstret write leaves mcycle counting"
    li      t0, 5000
    csrr    s0, minstret
    csrw    mcycle, t0          /* moves mcycle forward: not minstret */
    csrr    s1, minstret
    sub     a0, s1, s0
    CHECK_IF_EXACT s2, a0, 2, "mcycle write leaves minstret counting"
    li      t0, 0x0200bff8      /* CLINT mtime: never goes back (minivisor's */
    lw      s0, 0(t0)           /* deterministic clock counts instructions) */
    csrw    minstret, zero
    csrw    minstreth, zero
    lw      s1, 0(t0)
    sub     a0, s1, s0
    srli    a0, a0, 31
    CHECK   a0, 0, "mtime goes on after minstret is written back"

/* ---- mcountinhibit: CY (bit 0) and IR (bit 2) stop mcycle and minstret ---- */
    li      t0, 5
    csrw    mcountinhibit, t0
    csrr    a0, mcountinhibit
    andi    a0, a0, 5
    CHECK   a0, 5, "mcountinhibit.CY/IR writable"
    csrr    s0, minstret
    nop
    nop
    csrr    s1, minstret
    sub     a0, s1, s0
    CHECK   a0, 0, "minstret stopped by mcountinhibit.IR"
    csrr    s0, mcycle
    nop
    nop
    csrr    s1, mcycle
    sub     a0, s1, s0
    CHECK   a0, 0, "mcycle stopped by mcountinhibit.CY"
    li      t0, 1234
    csrw    minstret, t0
    nop
    csrr    a0, minstret
    CHECK   a0, 1234, "minstret written while stopped keeps the value"
    csrw    mcountinhibit, zero
    csrr    s0, minstret
    li      a0, 10
1:  addi    a0, a0, -1
    bnez    a0, 1b
    csrr    s1, minstret
    sltu    a0, s0, s1
    CHECK   a0, 1, "minstret counts again with IR clear"
    csrr    s0, mcycle
    li      a0, 10
1:  addi    a0, a0, -1
    bnez    a0, 1b
    csrr    s1, mcycle
    sltu    a0, s0, s1
    CHECK   a0, 1, "mcycle counts again with CY clear"

/* ---- read-only CSRs: reading is fine, writing traps ---- */
    TRY(csrrs a0, mhartid, zero)
    CHECK_NO_TRAP "csrrs x0 on read-only mhartid"
    TRY(csrrsi a0, mhartid, 0)
    CHECK_NO_TRAP "csrrsi 0 on read-only mhartid"
    TRY(csrrc a0, mvendorid, zero)
    CHECK_NO_TRAP "csrrc x0 on read-only mvendorid"
    TRY(9: csrw mhartid, zero)
    CHECK_TRAP 2, "csrw mhartid"
    CHECK_TVAL 0xf1401073, "csrw mhartid"
    lw      a0, t_trap + T_EPC
    la      a1, 9b
    CHECK_REG a0, a1, "csrw mhartid: mepc"
    li      a2, 1
    TRY(csrrs a0, mhartid, a2)
    CHECK_TRAP 2, "csrrs with rs1!=x0 on mhartid"
    TRY(csrrwi a0, mvendorid, 0)
    CHECK_TRAP 2, "csrrwi 0 on mvendorid (csrrw always writes)"
    TRY(csrw cycle, zero)
    CHECK_TRAP 2, "csrw cycle (user counter is read-only)"
    CHECK_TVAL 0xc0001073, "csrw cycle"
    TRY(csrsi instret, 1)
    CHECK_TRAP 2, "csrsi instret"
    TRY(csrr a0, 0x0ff)
    CHECK_TRAP 2, "unimplemented CSR 0x0ff"
    CHECK_TVAL 0x0ff02573, "unimplemented CSR 0x0ff"

    TEST_END
