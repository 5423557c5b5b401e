/* idle - a guest that sleeps: one line per second, WFI in between.
 *
 * The CLINT timer is armed for mtime + 10,000,000 ticks (1 s at 10 MHz); its
 * interrupt handler counts the tick and re-arms the timer one second after the
 * previous deadline (so ticks do not drift).  The main loop sleeps in WFI until
 * the count moves and prints "idle: tick N".  A guest in WFI costs the host no
 * CPU: next to a spinner, this guest barely shows in the CPU share.  It never
 * powers off (Ctrl-A x in the CLI, or stop it in the page).
 */
#include <stdint.h>
#include "uart.h"
#include "virt.h"

#define TICKS_PER_SECOND 10000000u   /* the CLINT timebase is 10 MHz */

static volatile uint32_t ticks;      /* written only by the trap handler */
static uint64_t deadline;            /* the mtimecmp value currently armed */

static uint64_t read_mtime(void)
{
    uint32_t hi, lo;
    do {    /* high, low, high again: retry if the low half wrapped in between */
        hi = MMIO32(CLINT_MTIME + 4);
        lo = MMIO32(CLINT_MTIME);
    } while (MMIO32(CLINT_MTIME + 4) != hi);
    return ((uint64_t)hi << 32) | lo;
}

static void set_mtimecmp(uint64_t t)
{
    /* On RV32 mtimecmp is two words: park the high half at the maximum first so
     * that no intermediate value (new low, old high) fires early. */
    MMIO32(CLINT_MTIMECMP + 4) = 0xffffffffu;
    MMIO32(CLINT_MTIMECMP) = (uint32_t)t;
    MMIO32(CLINT_MTIMECMP + 4) = (uint32_t)(t >> 32);
}

__attribute__((interrupt("machine"), aligned(4))) static void trap_handler(void)
{
    uint32_t cause = csr_read(mcause);
    if (cause != (0x80000000u | 7)) {   /* only the machine timer is enabled */
        extern void unexpected_trap(uint32_t, uint32_t, uint32_t);
        unexpected_trap(cause, csr_read(mepc), csr_read(mtval));
    }
    deadline += TICKS_PER_SECOND;
    /* If the host stalled us for more than a second, skip the missed seconds
     * instead of firing a burst of interrupts. */
    uint64_t now = read_mtime();
    if (deadline <= now)
        deadline = now + TICKS_PER_SECOND;
    set_mtimecmp(deadline);             /* also clears MTIP */
    ticks++;
}

int main(void)
{
    uart_puts("idle: a sleeping guest: a CLINT timer interrupt every second "
              "(10,000,000 ticks), WFI in between (no host CPU while asleep)\n");
    csr_write(mtvec, (uintptr_t)trap_handler);   /* direct mode */
    deadline = read_mtime() + TICKS_PER_SECOND;
    set_mtimecmp(deadline);
    csr_set(mie, MIE_MTIE);
    csr_set(mstatus, MSTATUS_MIE);

    uint32_t printed = 0;
    for (;;) {
        /* Check and sleep with interrupts masked: a tick that becomes pending
         * between the check and WFI still wakes WFI (it is pending in mip), and
         * is taken as soon as MIE is set again. */
        csr_clear(mstatus, MSTATUS_MIE);
        if (ticks == printed)
            __asm__ volatile("wfi");
        csr_set(mstatus, MSTATUS_MIE);
        while (printed != ticks) {
            printed++;
            uart_puts("idle: tick ");
            print_dec(printed);
            uart_putc('\n');
        }
    }
}
