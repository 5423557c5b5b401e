/* escape - an interactive menu of attempts to break out of the guest.
 *
 * A learner fires the attacks one by one (press the letter, with or without
 * Enter).  Each one prints what it tries and what happened.  None of them gets
 * out: every address this guest can name is its own RAM, its own devices, or
 * an access fault delivered to *this* guest, and every trap lands in this
 * guest's own M-mode trap handler (lowlevel.S: trap_entry -> escape_trap
 * below), which prints mcause (with its name), mepc and mtval, then recovers:
 * it steps over a faulting load or store (2 or 4 bytes: with the C extension
 * the low two bits of the instruction at mepc give its length), or abandons
 * the attack (a fetch fault, a trap from U-mode) by returning in M-mode to the
 * attack's resume point (lowlevel.S: try_enter / resume_at, a setjmp/longjmp).
 * Each of these traps is a trap into the hypervisor first (a VM exit, counted
 * in the exit table: mmio:unmapped, exception:<cause>): the hypervisor finds
 * no RAM or device of this guest at the address and injects the fault into
 * this guest's own handler.  The other guests never notice.
 *
 * Console input is polled (LSR.DR), but the guest sleeps in WFI while waiting:
 * the UART's RX interrupt goes through the PLIC to mip.MEIP, which wakes WFI
 * even though mstatus.MIE stays 0 (so no interrupt is ever taken).
 *
 * Same ELF on QEMU (qemu-system-riscv32 -M virt -bios none): the attacks print
 * the same lines, except where QEMU's virt board has more devices than
 * minivisor's deliberate subset of it.  The sweep (c) and the hole writes (d)
 * then find them; they are named "QEMU virt only" below:
 *   0x00001000 MROM (boot ROM) and 0x00101000 RTC: not on a 1 MiB boundary, so
 *              the sweep does not see them;
 *   0x03000000 PCIe I/O window, 0x10100000 fw_cfg, 0x20000000 flash (2 x 32 MiB),
 *   0x30000000 PCIe ECAM, 0x40000000..0x7fffffff PCIe MMIO window (reads give
 *              all ones, writes are dropped).
 * minivisor has none of these: there they are holes, and accesses fault.
 * Attack e differs too: QEMU fetches instructions from the UART's registers
 * (so the jump to 0x10000000 runs a few garbage instructions before an illegal
 * instruction trap, and each fetch of RBR pops a typed-ahead key), where
 * minivisor gives an instruction access fault at once.  Attacks a, b and f
 * print the same lines on both (with the same RAM size: QEMU's default is
 * 128 MiB, minivisor's 64 MiB; run QEMU with -m 64M to compare).
 */
#include <stdint.h>
#include "uart.h"
#include "virt.h"

#define RAM_BASE 0x80000000u
#define MiB      0x100000u

/* ---- the trap handler -------------------------------------------------- */

struct frame {              /* built by trap_entry (lowlevel.S) */
    uint32_t x[32];         /* x[0] unused; x[2] is the interrupted sp */
    uint32_t mepc;
    uint32_t pad[3];
};

struct resume {             /* try_enter / resume_at (lowlevel.S) */
    uint32_t ra, sp, s[12];
};

int  try_enter(struct resume *r);
__attribute__((noreturn)) void resume_at(struct resume *r);
void resume_trampoline(void);
void trap_entry(void);
void jump_to(uint32_t addr);
__attribute__((noreturn)) void enter_umode(uint32_t pc);
void u_csrr_mstatus(void), u_csrw_mtvec(void), u_mret(void), u_wfi(void), u_sfence_vma(void);

extern char __end[];               /* virt.ld: the end of this guest's image */
struct resume *g_resume;           /* innermost resume point (resume_trampoline reads it) */
static volatile uint32_t g_traps;  /* how many traps so far */
static volatile uint32_t g_quiet;  /* nonzero: count and recover, print nothing */

static const char *cause_name(uint32_t cause)
{
    if (cause & 0x80000000u) {
        switch (cause & 0x7fffffffu) {
        case 3:  return "machine software interrupt";
        case 7:  return "machine timer interrupt";
        case 11: return "machine external interrupt";
        default: return "interrupt";
        }
    }
    switch (cause) {
    case 0:  return "instruction address misaligned";
    case 1:  return "instruction access fault";
    case 2:  return "illegal instruction";
    case 3:  return "breakpoint";
    case 4:  return "load address misaligned";
    case 5:  return "load access fault";
    case 6:  return "store/AMO address misaligned";
    case 7:  return "store/AMO access fault";
    case 8:  return "environment call from U-mode";
    case 9:  return "environment call from S-mode";
    case 11: return "environment call from M-mode";
    case 12: return "instruction page fault";
    case 13: return "load page fault";
    case 15: return "store/AMO page fault";
    default: return "reserved";
    }
}

static const char *mode_name(uint32_t mpp)
{
    return mpp == 3 ? "M-mode" : mpp == 1 ? "S-mode" : mpp == 0 ? "U-mode" : "?-mode";
}

/* Which U-mode stub instruction is at pc (for the report). */
static const char *u_insn_name(uint32_t pc)
{
    if (pc == (uintptr_t)u_csrr_mstatus) return "csrr a0, mstatus";
    if (pc == (uintptr_t)u_csrw_mtvec)   return "csrw mtvec, zero";
    if (pc == (uintptr_t)u_mret)         return "mret";
    if (pc == (uintptr_t)u_wfi)          return "wfi";
    if (pc == (uintptr_t)u_sfence_vma)   return "sfence.vma";
    return 0;
}

void escape_trap(struct frame *f)
{
    uint32_t cause = csr_read(mcause);
    uint32_t tval = csr_read(mtval);
    uint32_t from = (csr_read(mstatus) >> 11) & 3;   /* MPP: the mode that trapped */
    g_traps++;

    if (cause & 0x80000000u) {
        /* No interrupt is ever enabled while MIE could take it; if one comes
         * anyway, switch its source off in mie and carry on. */
        uart_puts("  interrupt: mcause=");
        print_hex(cause);
        uart_puts(" (");
        uart_puts(cause_name(cause));
        uart_puts("), disabled in mie\n");
        csr_clear(mie, 1u << (cause & 31));
        return;
    }

    /* Abandon the attack (return to its resume point in M-mode) after a trap
     * from U-mode, a failed instruction fetch (there is no instruction at mepc
     * to step over) or a trap while running anything but this guest's own code
     * (QEMU executes device memory: see attack e); otherwise step over the
     * faulting instruction. */
    int wild = f->mepc < RAM_BASE || f->mepc >= (uintptr_t)__end;   /* not our code */
    int abandon = from != 3 || wild || cause == 0 || cause == 1 || cause == 12;
    uint32_t len = 0;
    if (!abandon) {
        uint16_t low = *(volatile uint16_t *)(uintptr_t)f->mepc;
        len = (low & 3) == 3 ? 4 : 2;
    }

    if (!g_quiet) {
        uart_puts("  trap: mcause=");
        print_dec(cause);
        uart_puts(" (");
        uart_puts(cause_name(cause));
        uart_puts(") from ");
        uart_puts(mode_name(from));
        uart_puts(", mepc=");
        print_hex(f->mepc);
        const char *insn = from == 0 ? u_insn_name(f->mepc) : 0;
        if (insn) {
            uart_puts(" (");
            uart_puts(insn);
            uart_putc(')');
        }
        uart_puts(", mtval=");
        print_hex(tval);
        uart_putc('\n');
        uart_puts("  caught by: the guest's own trap handler (M-mode, mtvec=");
        print_hex(csr_read(mtvec));
        if (abandon) {
            uart_puts("); attack abandoned, back in M-mode at its resume point\n");
        } else {
            uart_puts("); stepped over the ");
            uart_puts(len == 2 ? "2-byte (compressed)" : "4-byte");
            uart_puts(" instruction, resuming at ");
            print_hex(f->mepc + len);
            uart_putc('\n');
        }
    }

    if (abandon) {
        f->mepc = (uintptr_t)resume_trampoline;
        csr_set(mstatus, 3u << 11);     /* MPP = M: the MRET stays in M-mode */
    } else {
        f->mepc += len;
    }
}

/* ---- probes: one access each; 1 if it went through, 0 if it trapped ---- */

static int load_ok(uint32_t addr, uint32_t *value)
{
    uint32_t before = g_traps, v = 0;
    __asm__ volatile("lw %0, 0(%1)" : "+r"(v) : "r"(addr) : "memory");
    if (value)
        *value = v;
    return g_traps == before;
}

static int load_byte_ok(uint32_t addr)
{
    uint32_t before = g_traps, v = 0;
    __asm__ volatile("lbu %0, 0(%1)" : "+r"(v) : "r"(addr) : "memory");
    return g_traps == before;
}

static int store_ok(uint32_t addr, uint32_t v)
{
    uint32_t before = g_traps;
    __asm__ volatile("sw %0, 0(%1)" :: "r"(v), "r"(addr) : "memory");
    return g_traps == before;
}

/* ---- small printing helpers ---- */

static void print_size(uint32_t bytes)
{
    if (bytes % MiB == 0) {
        print_dec(bytes / MiB);
        uart_puts(" MiB");
    } else {
        print_dec(bytes / 1024);
        uart_puts(" KiB");
    }
}

/* ---- RAM size ---------------------------------------------------------- */

/* Probe upward from 0x80000000, one load per 1 MiB, until one faults; then,
 * if the last 4 KiB page below that faults too, narrow the last MiB down in
 * 4 KiB steps (minivisor RAM sizes are multiples of 4 KiB, not of 1 MiB).  Quiet: these faults are expected.  Returns the size in bytes;
 * 0x80000000 if nothing faulted up to the top of the address space. */
static uint32_t ram_size(uint32_t *probes)
{
    uint32_t a = RAM_BASE, n = 0;
    g_quiet = 1;
    while (a != 0) {            /* a wraps to 0 past 0xfff00000 */
        n++;
        if (!load_ok(a, 0))
            break;
        a += MiB;
    }
    if (a != 0 && a != RAM_BASE && (n++, !load_ok(a - 4096, 0))) {
        /* the last MiB is only partly RAM: find where it ends */
        uint32_t b = a - MiB + 4096;
        while (b < a) {
            n++;
            if (!load_ok(b, 0))
                break;
            b += 4096;
        }
        a = b;
    }
    g_quiet = 0;
    if (probes)
        *probes = n;
    return a - RAM_BASE;
}

/* Discovers the RAM, says so; returns the first address past it (0: none). */
static uint32_t report_ram(void)
{
    uint32_t probes;
    uint32_t size = ram_size(&probes);
    uart_puts("  probing RAM: one load every 1 MiB up from 0x80000000 until one faults (then 4 KiB\n"
              "  steps if that last MiB is partly RAM): ");
    print_dec(probes);
    uart_puts(" probes, their faults caught quietly\n");
    uart_puts("  RAM is ");
    print_size(size);
    uart_puts(": ");
    print_hex(RAM_BASE);
    uart_puts("..");
    print_hex(RAM_BASE + size - 1);
    uart_putc('\n');
    if (size == 0x80000000u) {
        uart_puts("  RAM reaches the top of the address space: there is no \"past the end\"\n");
        return 0;
    }
    return RAM_BASE + size;
}

/* ---- the attacks ------------------------------------------------------- */

static void attack_read_past_ram(void)
{
    uart_puts("a. read past the end of RAM\n");
    uint32_t end = report_ram();
    if (!end)
        return;
    uint32_t v;
    uart_puts("  reading the last word of RAM, ");
    print_hex(end - 4);
    uart_puts(": ");
    uart_puts(load_ok(end - 4, &v) ? "fine\n" : "faulted?!\n");
    uart_puts("  reading the first word past RAM, ");
    print_hex(end);
    uart_puts(":\n");
    int ok = load_ok(end, &v);
    uart_puts(ok ? "  result: the load went through?!\n"
                 : "  result: nothing was read (the register kept its old value, 0); "
                   "the load trapped into the hypervisor (a VM exit), which found no RAM there: "
                   "the fault was delivered to this guest's own trap handler, never past its region\n");
}

static void attack_write_past_ram(void)
{
    uart_puts("b. write past the end of RAM\n");
    uint32_t end = report_ram();
    if (!end)
        return;
    uart_puts("  writing 0xdeadbeef to the last word of RAM, ");
    print_hex(end - 4);
    uart_puts(": ");
    uart_puts(store_ok(end - 4, 0xdeadbeefu) ? "fine\n" : "faulted?!\n");
    uart_puts("  writing 0xdeadbeef to the first word past RAM, ");
    print_hex(end);
    uart_puts(":\n");
    int ok = store_ok(end, 0xdeadbeefu);
    uart_puts(ok ? "  result: the store went through?!\n"
                 : "  result: nothing was written; the memory past this guest's RAM "
                   "(another guest's, the hypervisor's) is not even addressable from here\n");
}

/* What lives at a 1 MiB slot of the virt board (for the sweep's map). */
static const char *slot_name(uint32_t a)
{
    if (a >= RAM_BASE)                     return "RAM";
    if (a == 0x00100000u)                  return "SiFive test device (power off / reset)";
    if (a == 0x02000000u)                  return "CLINT (msip, mtimecmp, mtime)";
    if (a == 0x03000000u)                  return "QEMU virt only: PCIe I/O window";
    if (a >= 0x04000000u && a < 0x06000000u) return "QEMU virt only: platform bus";
    if (a >= 0x0c000000u && a < 0x10000000u) return "PLIC (interrupt controller)";
    if (a == 0x10000000u)                  return "UART0 ns16550a + virtio-mmio slots 0x10001000..0x10008fff";
    if (a == 0x10100000u)                  return "QEMU virt only: fw_cfg";
    if (a >= 0x20000000u && a < 0x24000000u) return "QEMU virt only: flash (2 x 32 MiB)";
    if (a >= 0x30000000u && a < 0x40000000u) return "QEMU virt only: PCIe ECAM (configuration space)";
    if (a >= 0x40000000u)                  return "QEMU virt only: PCIe MMIO window (reads all ones)";
    return "something unknown";
}

static void print_run(uint32_t start, uint32_t end_slot, int answered)
{
    uart_puts("  ");
    print_hex(start);
    uart_puts("..");
    print_hex(end_slot + (MiB - 1));
    uart_puts("  ");
    uint32_t n = (end_slot - start) / MiB + 1;
    print_dec(n);
    uart_puts(n < 10 ? " MiB     " : n < 100 ? " MiB    " : n < 1000 ? " MiB   " : " MiB  ");
    if (!answered) {
        uart_puts("access fault (nothing there)\n");
    } else {
        uart_puts(slot_name(start));
        uart_putc('\n');
    }
}

static void attack_sweep(void)
{
    uart_puts("c. sweep the whole physical address space: one 32-bit load every 1 MiB, "
              "0x00000000..0xfff00000 (4096 probes, faults caught quietly)\n");
    uart_puts("   (at 0x10000000 the UART's LSR byte is read instead of RBR, so that no typed key is eaten)\n");
    uint32_t run_start = 0, answered_slots = 0;
    int run_answered = -1;
    const char *run_name = 0;
    g_quiet = 1;
    uint32_t a = 0;
    do {
        int ok = a == 0x10000000u ? load_byte_ok(a + 5) : load_ok(a, 0);
        const char *name = ok ? slot_name(a) : 0;
        if (ok)
            answered_slots++;
        if (ok != run_answered || name != run_name) {
            if (run_answered >= 0) {
                g_quiet = 0;
                print_run(run_start, a - MiB, run_answered);
                g_quiet = 1;
            }
            run_start = a;
            run_answered = ok;
            run_name = name;
        }
        a += MiB;
    } while (a != 0);
    g_quiet = 0;
    print_run(run_start, 0xfff00000u, run_answered);
    uart_puts("  ");
    print_dec(answered_slots);
    uart_puts(" MiB answered, ");
    print_dec(4096 - answered_slots);
    uart_puts(" MiB faulted: this is the guest's whole world, its own machine\n");
}

static void attack_write_holes(void)
{
    static const struct { uint32_t addr; const char *where; } holes[] = {
        { 0x00000000u, "below the test device" },
        { 0x00200000u, "between the test device and the CLINT" },
        { 0x01000000u, "between the test device and the CLINT" },
        { 0x03000000u, "between the CLINT and the PLIC (QEMU: PCIe I/O window)" },
        { 0x0d000000u, "between the PLIC and the UART" },
        { 0x10200000u, "just above the UART and virtio-mmio" },
        { 0x20000000u, "above the devices (QEMU: flash)" },
        { 0x40000000u, "above the devices (QEMU: PCIe MMIO window, writes dropped)" },
        { 0x70000000u, "just below RAM (QEMU: PCIe MMIO window, writes dropped)" },
        { 0xf0000000u, "far above RAM" },
    };
    uart_puts("d. write 0xdeadbeef into every hole between the devices\n");
    for (uint32_t i = 0; i < sizeof holes / sizeof holes[0]; i++) {
        uart_puts("  write to ");
        print_hex(holes[i].addr);
        uart_puts(", ");
        uart_puts(holes[i].where);
        uart_puts(":\n");
        if (store_ok(holes[i].addr, 0xdeadbeefu)) {
            uart_puts("  no fault: something answered there: ");
            uart_puts(slot_name(holes[i].addr));
            uart_putc('\n');
        }
    }
}

static void attack_jump(void)
{
    uart_puts("e. jump into device memory\n");
    static const struct { uint32_t addr; const char *what; } targets[] = {
        { 0x10000000u, "the UART's registers" },
        { 0x02000000u, "the CLINT's registers" },
        { 0x00000000u, "address 0 (a hole)" },
    };
    struct resume here, *outer = g_resume;
    for (uint32_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        uart_puts("  jalr to ");
        print_hex(targets[i].addr);
        uart_puts(", ");
        uart_puts(targets[i].what);
        uart_puts(":\n");
        g_resume = &here;
        if (try_enter(&here) == 0) {
            jump_to(targets[i].addr);
            uart_puts("  it came back?!\n");
        }
        g_resume = outer;
    }
    uart_puts("  result: outside RAM there is no code to run; every jump ended in this guest's trap handler\n");
}

static void attack_umode(void)
{
    static const struct { void (*stub)(void); const char *insn, *why; } tries[] = {
        { u_csrr_mstatus, "csrr a0, mstatus", "read the machine status register" },
        { u_csrw_mtvec,   "csrw mtvec, zero", "hijack the machine trap vector" },
        { u_mret,         "mret",             "return \"from\" M-mode to gain its privilege" },
        { u_wfi,          "wfi",              "put the hart to sleep" },
        { u_sfence_vma,   "sfence.vma",       "flush the address translation caches" },
    };
    uart_puts("f. privileged instructions from U-mode\n");
    /* PMP entry 0: NAPOT over all addresses, RWX.  Without an entry U-mode may
     * not access anything (QEMU enforces it: the first fetch would fault). */
    csr_write(pmpaddr0, 0xffffffffu);
    csr_write(pmpcfg0, 0x1fu);
    uart_puts("  PMP entry 0 lets U-mode use all memory (pmpaddr0=0xffffffff, pmpcfg0=0x1f: NAPOT, RWX)\n");
    struct resume here, *outer = g_resume;
    for (uint32_t i = 0; i < sizeof tries / sizeof tries[0]; i++) {
        uart_puts("  [");
        print_dec(i + 1);
        uart_puts("/5] MRET to U-mode at ");
        print_hex((uintptr_t)tries[i].stub);
        uart_puts(", which executes `");
        uart_puts(tries[i].insn);
        uart_puts("` (");
        uart_puts(tries[i].why);
        uart_puts("):\n");
        g_resume = &here;
        if (try_enter(&here) == 0)
            enter_umode((uintptr_t)tries[i].stub);
        g_resume = outer;
    }
    uart_puts("  result: U-mode cannot touch machine state; each try is an illegal instruction "
              "(mtval = its bits) handled in M-mode\n");
}

/* Flood: like uart_putc, but count how often the transmitter said "busy". */
static uint32_t g_busy_polls;

static void flood_putc(char c)
{
    while (!(MMIO8(UART0 + UART_LSR) & UART_LSR_THRE))
        g_busy_polls++;
    MMIO8(UART0 + UART_THR) = (uint8_t)c;
}

static void flood_puts(const char *s)
{
    while (*s)
        flood_putc(*s++);
}

static void flood_dec(uint32_t v)
{
    char buf[10];
    int n = 0;
    do {
        buf[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        flood_putc(buf[--n]);
}

#define FLOOD_LINES 200000u

static void attack_flood(void)
{
    uart_puts("g. flood the console: 200000 lines as fast as the UART takes them\n");
    g_busy_polls = 0;
    for (uint32_t i = 1; i <= FLOOD_LINES; i++) {
        flood_puts("flood: line ");
        flood_dec(i);
        flood_puts(" of 200000 from the escape guest, as fast as it can\n");
    }
    uart_puts("g. flood done: 200000 lines sent\n");
    if (g_busy_polls == 0) {
        uart_puts("  the UART never said \"transmitter busy\": the host kept up. (Its console buffer is\n"
                  "  bounded: when it fills, LSR.THRE reads 0 and this guest is paused until the host drains it.)\n");
    } else {
        uart_puts("  the UART said \"transmitter busy\" (LSR.THRE = 0) on ");
        print_dec(g_busy_polls);
        uart_puts(" polls and the guest waited each time: the host's bounded console buffer pushed back\n");
    }
}

static void attack_spin(void)
{
    uart_puts("h. spin forever: a tight loop that never waits (no WFI, no I/O)\n");
    uart_puts("  this guest will not print again. The hypervisor keeps the other guests running "
              "(round-robin quanta); stop or reset this one from the host (CLI: Ctrl-A x)\n");
    for (;;)
        __asm__ volatile("");
}

/* ---- the menu ---------------------------------------------------------- */

static void menu(void)
{
    uart_puts(
        "escape: an attacker guest. Each attack tries to reach outside this guest; every one ends\n"
        "in this guest's own trap handler, and the menu comes back. Press a letter (Enter optional):\n"
        "  a  read past the end of RAM              (load access fault, mcause 5)\n"
        "  b  write past the end of RAM             (store access fault, mcause 7)\n"
        "  c  sweep the physical address space      (a load every 1 MiB: what answers?)\n"
        "  d  write into the holes between devices  (store access faults)\n"
        "  e  jump into device memory               (instruction access fault, mcause 1)\n"
        "  f  privileged instructions in U-mode     (illegal instruction, mcause 2)\n"
        "  g  flood the console                     (200000 lines; the UART pushes back)\n"
        "  h  spin forever without waiting          (only the host can stop it)\n"
        "  ?  this menu                             q  power off\n");
}

/* Next key from the UART.  Sleeps in WFI while there is none: the UART RX
 * interrupt (PLIC source 10) sets mip.MEIP, which wakes WFI; mstatus.MIE is
 * 0, so no trap is taken and the byte is read here. */
static int getkey(void)
{
    for (;;) {
        int c = uart_getc();
        if (c >= 0)
            return c;
        uint32_t src = MMIO32(PLIC_CLAIM_CTX0);   /* claim + complete: let the */
        if (src)                                  /* PLIC raise the next one   */
            MMIO32(PLIC_CLAIM_CTX0) = src;
        if (MMIO8(UART0 + UART_LSR) & UART_LSR_DR)
            continue;                             /* arrived meanwhile */
        csr_set(mie, MIE_MEIE);
        __asm__ volatile("wfi");
        csr_clear(mie, MIE_MEIE);
    }
}

int main(void)
{
    csr_write(mtvec, (uintptr_t)trap_entry);      /* direct mode */
    MMIO32(PLIC_PRIORITY(UART0_IRQ)) = 1;
    MMIO32(PLIC_ENABLE_CTX0) = 1u << UART0_IRQ;
    MMIO32(PLIC_THRESHOLD_CTX0) = 0;
    MMIO8(UART0 + UART_IER) = UART_IER_RDI;

    uart_puts("escape: a guest that tries to break out of its virtual machine, one attack at a time\n");
    menu();

    /* The outermost resume point: an attack abandoned without a nearer one
     * comes back to the menu. */
    static struct resume top;
    g_resume = &top;
    if (try_enter(&top))
        uart_puts("  (back at the menu)\n");
    for (;;) {
        uart_puts("escape> ");
        int c;
        do
            c = getkey();
        while (c == '\r' || c == '\n' || c == ' ' || c == '\t');
        if (c >= 'A' && c <= 'Z')
            c += 'a' - 'A';
        if (c >= 0x20 && c < 0x7f)
            uart_putc((char)c);
        uart_putc('\n');
        switch (c) {
        case 'a': attack_read_past_ram(); break;
        case 'b': attack_write_past_ram(); break;
        case 'c': attack_sweep(); break;
        case 'd': attack_write_holes(); break;
        case 'e': attack_jump(); break;
        case 'f': attack_umode(); break;
        case 'g': attack_flood(); break;
        case 'h': attack_spin(); break;
        case '?': case 'm': menu(); break;
        case 'q':
            uart_puts("escape: powering off (exit 0)\n");
            return 0;
        default:
            uart_puts("unknown key; ? shows the menu\n");
            break;
        }
    }
}
