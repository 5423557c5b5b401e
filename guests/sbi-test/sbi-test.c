/* sbi-test: a kernel-mode guest that calls every SBI 2.0 function minivisor
 * implements (assembly/sbi.ts) and checks the results.
 *
 * Booted with `minivisor run --kernel guests/bin/sbi-test.elf` (or the host
 * API's Guest.bootKernel): it starts in S-mode with a0 = 0 and a1 = the device
 * tree.  Prints one line per check on the UART (polled MMIO, so that only the
 * calls under test are hypercalls), `ok N - ...` or `FAIL N - ... got ...
 * expected ...`, and a summary; then SBI system_reset(shutdown) with reason 0
 * when every check passed, 1 ("system failure", exit status 1) otherwise.
 *
 * tests/sbi.test.ts checks the output and the SBI exit counters: keep the
 * number of calls per function there in step with this file.
 */
#include <stdint.h>
#include "uart.h"
#include "virt.h"

#define EXT_LEGACY_PUTCHAR 0x01
#define EXT_BASE   0x10
#define EXT_TIME   0x54494d45
#define EXT_IPI    0x00735049
#define EXT_RFENCE 0x52464e43
#define EXT_HSM    0x0048534d
#define EXT_SRST   0x53525354
#define EXT_DBCN   0x4442434e
#define EXT_PMU    0x00504d55
#define EXT_SUSP   0x53555350

#define SBI_SUCCESS                0
#define SBI_ERR_FAILED            -1
#define SBI_ERR_NOT_SUPPORTED     -2
#define SBI_ERR_INVALID_PARAM     -3
#define SBI_ERR_ALREADY_AVAILABLE -6

#define SIP_SSIP (1u << 1)
#define SIP_STIP (1u << 5)
#define SSTATUS_SIE (1u << 1)
#define SCAUSE_SSI 0x80000001u
#define SCAUSE_STI 0x80000005u

struct sbiret {
    int32_t error;
    uint32_t value;
};

static struct sbiret sbi_call(uint32_t ext, uint32_t fid, uint32_t arg0, uint32_t arg1, uint32_t arg2,
                              uint32_t arg3)
{
    register uint32_t a0 __asm__("a0") = arg0;
    register uint32_t a1 __asm__("a1") = arg1;
    register uint32_t a2 __asm__("a2") = arg2;
    register uint32_t a3 __asm__("a3") = arg3;
    register uint32_t a6 __asm__("a6") = fid;
    register uint32_t a7 __asm__("a7") = ext;
    __asm__ volatile("ecall" : "+r"(a0), "+r"(a1) : "r"(a2), "r"(a3), "r"(a6), "r"(a7) : "memory");
    return (struct sbiret){(int32_t)a0, a1};
}

/* SBI 0.1 calls: the result (if any) in a0 only */
static uint32_t sbi_legacy(uint32_t ext, uint32_t arg0)
{
    register uint32_t a0 __asm__("a0") = arg0;
    register uint32_t a7 __asm__("a7") = ext;
    __asm__ volatile("ecall" : "+r"(a0) : "r"(a7) : "a1", "memory");
    return a0;
}

static void sbi_set_timer(uint64_t t)
{
    sbi_call(EXT_TIME, 0, (uint32_t)t, (uint32_t)(t >> 32), 0, 0);
}

uint32_t clobber_check(void); /* start.S */

/* ---- reporting, as the ISA tests do ---- */

static uint32_t count, failures;

static void check2(const char *name, const char *suffix, uint32_t got, uint32_t expected)
{
    count++;
    if (got == expected) {
        uart_puts("ok ");
    } else {
        failures++;
        uart_puts("FAIL ");
    }
    print_dec(count);
    uart_puts(" - ");
    uart_puts(name);
    uart_puts(suffix);
    if (got != expected) {
        uart_puts(" got ");
        print_hex(got);
        uart_puts(" expected ");
        print_hex(expected);
    }
    uart_putc('\n');
}

static void check(const char *name, uint32_t got, uint32_t expected)
{
    check2(name, "", got, expected);
}

/* the error of one call, and its value when the call succeeds */
static void check_ret(const char *name, struct sbiret r, int32_t error, uint32_t value)
{
    check2(name, ": error", (uint32_t)r.error, (uint32_t)error);
    if (error == SBI_SUCCESS)
        check2(name, ": value", r.value, value);
}

/* ---- supervisor traps (start.S saves the registers) ---- */

__attribute__((noreturn)) void unexpected_trap(uint32_t cause, uint32_t epc, uint32_t tval); /* runtime.c */

static volatile uint32_t timer_irqs, soft_irqs, last_cause;

void s_trap(uint32_t cause, uint32_t epc, uint32_t tval);
void s_trap(uint32_t cause, uint32_t epc, uint32_t tval)
{
    if (cause == SCAUSE_STI) {
        timer_irqs++;
        last_cause = cause;
        sbi_set_timer(~0ull); /* far away: STIP goes down */
        return;
    }
    if (cause == SCAUSE_SSI) {
        soft_irqs++;
        last_cause = cause;
        csr_clear(sip, SIP_SSIP);
        return;
    }
    unexpected_trap(cause, epc, tval); /* runtime.c: report, power off (failure) */
}

static uint64_t rdtime64(void)
{
    uint32_t hi, lo, hi2;
    do {
        hi = csr_read(timeh);
        lo = csr_read(time);
        hi2 = csr_read(timeh);
    } while (hi != hi2);
    return ((uint64_t)hi << 32) | lo;
}

static uint32_t be32(const volatile uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static const char console_msg[] = "# console_write: hello from the guest\n";
static const char hidden_msg[] = "# SHOULD NOT BE PRINTED\n";
static char read_buf[16];

int main(uint32_t hartid, uint32_t dtb);
int main(uint32_t hartid, uint32_t dtb)
{
    struct sbiret r;

    uart_puts("# sbi-test: SBI 2.0 calls from a kernel-mode guest\n");

    /* ---- boot state ---- */
    check("boot: a0 = hart id 0", hartid, 0);
    check("boot: a1 = device tree in RAM", dtb >= 0x80000000u, 1);
    check("boot: device tree magic 0xd00dfeed", be32((const volatile uint8_t *)dtb), 0xd00dfeed);
    uint32_t sstatus = csr_read(sstatus);
    check("boot: in S-mode, sstatus.SIE = 0", sstatus & SSTATUS_SIE, 0);

    /* ---- BASE ---- */
    check_ret("base: get_spec_version = 2.0", sbi_call(EXT_BASE, 0, 0, 0, 0, 0), SBI_SUCCESS, 0x02000000);
    check_ret("base: get_impl_id = minivisor (0x6d76)", sbi_call(EXT_BASE, 1, 0, 0, 0, 0), SBI_SUCCESS, 0x6d76);
    r = sbi_call(EXT_BASE, 2, 0, 0, 0, 0);
    check("base: get_impl_version: error", (uint32_t)r.error, SBI_SUCCESS);
    static const uint32_t implemented[] = {EXT_BASE, EXT_TIME, EXT_IPI, EXT_RFENCE, EXT_HSM, EXT_SRST, EXT_DBCN,
                                           EXT_LEGACY_PUTCHAR};
    static const char *const implemented_names[] = {
        "base: probe BASE = 1", "base: probe TIME = 1", "base: probe IPI = 1",  "base: probe RFENCE = 1",
        "base: probe HSM = 1",  "base: probe SRST = 1", "base: probe DBCN = 1", "base: probe legacy putchar = 1",
    };
    for (uint32_t i = 0; i < sizeof implemented / sizeof implemented[0]; i++)
        check_ret(implemented_names[i], sbi_call(EXT_BASE, 3, implemented[i], 0, 0, 0), SBI_SUCCESS, 1);
    check_ret("base: probe 0x12345678 = 0", sbi_call(EXT_BASE, 3, 0x12345678, 0, 0, 0), SBI_SUCCESS, 0);
    check_ret("base: probe PMU = 0", sbi_call(EXT_BASE, 3, EXT_PMU, 0, 0, 0), SBI_SUCCESS, 0);
    check_ret("base: probe SUSP = 0", sbi_call(EXT_BASE, 3, EXT_SUSP, 0, 0, 0), SBI_SUCCESS, 0);
    check_ret("base: get_mvendorid = 0", sbi_call(EXT_BASE, 4, 0, 0, 0, 0), SBI_SUCCESS, 0);
    check_ret("base: get_marchid = 0", sbi_call(EXT_BASE, 5, 0, 0, 0, 0), SBI_SUCCESS, 0);
    check_ret("base: get_mimpid = 0", sbi_call(EXT_BASE, 6, 0, 0, 0, 0), SBI_SUCCESS, 0);
    check_ret("base: unknown function 7", sbi_call(EXT_BASE, 7, 0, 0, 0, 0), SBI_ERR_NOT_SUPPORTED, 0);
    check_ret("unknown extension 0x12345678", sbi_call(0x12345678, 0, 0, 0, 0, 0), SBI_ERR_NOT_SUPPORTED, 0);
    check_ret("time: unknown function 1", sbi_call(EXT_TIME, 1, 0, 0, 0, 0), SBI_ERR_NOT_SUPPORTED, 0);
    check("a call preserves every register but a0, a1", clobber_check(), 0);

    /* ---- TIME: set_timer drives sip.STIP ---- */
    csr_write(sie, SIP_STIP);
    sbi_set_timer(0);
    check("time: set_timer(0): STIP pending", csr_read(sip) & SIP_STIP, SIP_STIP);
    check("time: masked by sstatus.SIE: not taken", timer_irqs, 0);
    sbi_set_timer(~0ull);
    check("time: set_timer(far future) clears STIP", csr_read(sip) & SIP_STIP, 0);
    sbi_set_timer(rdtime64() + 10000); /* 1 ms */
    csr_set(sstatus, SSTATUS_SIE);
    for (uint32_t i = 0; i < 1000 && timer_irqs == 0; i++)
        __asm__ volatile("wfi");
    csr_clear(sstatus, SSTATUS_SIE);
    check("time: supervisor timer interrupt taken", timer_irqs, 1);
    check("time: scause = interrupt 5", last_cause, SCAUSE_STI);
    check("time: handler's set_timer(far) cleared STIP", csr_read(sip) & SIP_STIP, 0);
    csr_write(sie, 0);

    /* ---- IPI ---- */
    check_ret("ipi: send_ipi(mask 1, base 0)", sbi_call(EXT_IPI, 0, 1, 0, 0, 0), SBI_SUCCESS, 0);
    check("ipi: sip.SSIP pending", csr_read(sip) & SIP_SSIP, SIP_SSIP);
    csr_clear(sip, SIP_SSIP);
    check("ipi: sip.SSIP cleared by S", csr_read(sip) & SIP_SSIP, 0);
    check_ret("ipi: send_ipi(base -1: all harts)", sbi_call(EXT_IPI, 0, 0, 0xffffffff, 0, 0), SBI_SUCCESS, 0);
    check("ipi: sip.SSIP pending again", csr_read(sip) & SIP_SSIP, SIP_SSIP);
    csr_clear(sip, SIP_SSIP);
    check_ret("ipi: send_ipi(mask 2: hart 1) invalid", sbi_call(EXT_IPI, 0, 2, 0, 0, 0), SBI_ERR_INVALID_PARAM, 0);
    check_ret("ipi: send_ipi(mask 1, base 1) invalid", sbi_call(EXT_IPI, 0, 1, 1, 0, 0), SBI_ERR_INVALID_PARAM, 0);
    check("ipi: no SSIP from invalid calls", csr_read(sip) & SIP_SSIP, 0);
    csr_write(sie, SIP_SSIP);
    csr_set(sstatus, SSTATUS_SIE);
    sbi_call(EXT_IPI, 0, 1, 0, 0, 0);
    /* (OpenSBI returns with the interrupt pending and it is taken at once;
     * minivisor may take it up to a scheduling chunk later: wait a while) */
    for (uint32_t i = 0; i < 100000 && soft_irqs == 0; i++)
        __asm__ volatile("nop");
    csr_clear(sstatus, SSTATUS_SIE);
    csr_write(sie, 0);
    check("ipi: supervisor software interrupt taken", soft_irqs, 1);
    check("ipi: scause = interrupt 1", last_cause, SCAUSE_SSI);

    /* ---- RFENCE ---- */
    check_ret("rfence: remote_fence_i", sbi_call(EXT_RFENCE, 0, 1, 0, 0, 0), SBI_SUCCESS, 0);
    check_ret("rfence: remote_sfence_vma", sbi_call(EXT_RFENCE, 1, 1, 0, 0, 0xffffffff), SBI_SUCCESS, 0);
    check_ret("rfence: remote_sfence_vma_asid", sbi_call(EXT_RFENCE, 2, 1, 0, 0, 0xffffffff), SBI_SUCCESS, 0);
    check_ret("rfence: remote_hfence_gvma_vmid not supported", sbi_call(EXT_RFENCE, 3, 1, 0, 0, 0),
              SBI_ERR_NOT_SUPPORTED, 0);

    /* ---- HSM ---- */
    check_ret("hsm: hart_get_status(0) = started", sbi_call(EXT_HSM, 2, 0, 0, 0, 0), SBI_SUCCESS, 0);
    check_ret("hsm: hart_get_status(1) invalid", sbi_call(EXT_HSM, 2, 1, 0, 0, 0), SBI_ERR_INVALID_PARAM, 0);
    check_ret("hsm: hart_start(0) already available", sbi_call(EXT_HSM, 0, 0, 0x80000000, 0, 0),
              SBI_ERR_ALREADY_AVAILABLE, 0);
    check_ret("hsm: hart_start(1) invalid", sbi_call(EXT_HSM, 0, 1, 0x80000000, 0, 0), SBI_ERR_INVALID_PARAM, 0);
    check_ret("hsm: hart_stop of the only hart fails", sbi_call(EXT_HSM, 1, 0, 0, 0, 0), SBI_ERR_FAILED, 0);
    check_ret("hsm: hart_suspend(default retentive)", sbi_call(EXT_HSM, 3, 0, 0, 0, 0), SBI_SUCCESS, 0);
    check_ret("hsm: hart_suspend(non-retentive) not supported", sbi_call(EXT_HSM, 3, 0x80000000, 0x80000000, 0, 0),
              SBI_ERR_NOT_SUPPORTED, 0);

    /* ---- SRST (the shutdown at the end is the last call) ---- */
    check_ret("srst: system_reset(type 0x10) invalid", sbi_call(EXT_SRST, 0, 0x10, 0, 0, 0), SBI_ERR_INVALID_PARAM, 0);

    /* ---- DBCN ---- */
    uint32_t n = sizeof console_msg - 1;
    check_ret("dbcn: console_write returns the byte count", sbi_call(EXT_DBCN, 0, n, (uint32_t)console_msg, 0, 0),
              SBI_SUCCESS, n);
    check_ret("dbcn: console_write from 0x10000000 (not RAM) invalid", sbi_call(EXT_DBCN, 0, 8, 0x10000000, 0, 0),
              SBI_ERR_INVALID_PARAM, 0);
    check_ret("dbcn: console_write with base_hi = 1 invalid",
              sbi_call(EXT_DBCN, 0, sizeof hidden_msg - 1, (uint32_t)hidden_msg, 1, 0), SBI_ERR_INVALID_PARAM, 0);
    check_ret("dbcn: console_write running past RAM invalid",
              sbi_call(EXT_DBCN, 0, 0x7fffffff, (uint32_t)hidden_msg, 0, 0), SBI_ERR_INVALID_PARAM, 0);
    uart_puts("# console_write_byte: ");
    r = sbi_call(EXT_DBCN, 2, 'B', 0, 0, 0);
    uart_putc('\n');
    check_ret("dbcn: console_write_byte", r, SBI_SUCCESS, 0);
    check_ret("dbcn: console_read with no input: 0 bytes",
              sbi_call(EXT_DBCN, 1, sizeof read_buf, (uint32_t)read_buf, 0, 0), SBI_SUCCESS, 0);
    check_ret("dbcn: console_read into 0x10000000 invalid", sbi_call(EXT_DBCN, 1, 4, 0x10000000, 0, 0),
              SBI_ERR_INVALID_PARAM, 0);
    check_ret("dbcn: unknown function 3", sbi_call(EXT_DBCN, 3, 0, 0, 0, 0), SBI_ERR_NOT_SUPPORTED, 0);

    /* ---- legacy console_putchar (0x01): the result in a0 only ---- */
    uart_puts("# console_putchar: ");
    uint32_t v = sbi_legacy(EXT_LEGACY_PUTCHAR, 'L');
    uart_putc('\n');
    check("legacy: console_putchar returns 0", v, 0);

    uart_puts("# ");
    print_dec(count - failures);
    uart_puts(" passed, ");
    print_dec(failures);
    uart_puts(" failed\n");
    return failures != 0;
}
