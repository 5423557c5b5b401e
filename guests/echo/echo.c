/* echo - interrupt-driven console input.
 *
 * The UART raises its RX interrupt (IER bit 0) through PLIC source 10 to hart
 * 0's M-mode context; the trap handler claims it, drains RBR while LSR.DR says
 * a byte is there, and completes.  Bytes go into a ring buffer; the main loop
 * sleeps in WFI until the buffer has something, echoes each byte (CR or LF end
 * the line, backspace/DEL erase) and answers each line with "echo: <line>".
 * The line "exit" powers off with exit status 0.
 *
 * Pasted or piped input arrives faster than lines are processed; the ring
 * buffer and the "drain everything" handler are what make that work.
 */
#include <stdint.h>
#include "uart.h"
#include "virt.h"

#define RING_SIZE 256              /* power of two: indices wrap with a mask */
#define LINE_MAX  120

static volatile uint8_t ring[RING_SIZE];
static volatile uint32_t ring_head;  /* written only by the trap handler */
static uint32_t ring_tail;           /* written only by the main loop    */

/* Machine external interrupt: only the UART is enabled in the PLIC. */
__attribute__((interrupt("machine"), aligned(4))) static void trap_handler(void)
{
    uint32_t cause = csr_read(mcause);
    if (cause != (0x80000000u | 11)) {
        /* Nothing else is enabled: anything else is a bug, report it. */
        extern void unexpected_trap(uint32_t, uint32_t, uint32_t);
        unexpected_trap(cause, csr_read(mepc), csr_read(mtval));
    }
    uint32_t src = MMIO32(PLIC_CLAIM_CTX0);
    if (src == UART0_IRQ) {
        while (MMIO8(UART0 + UART_LSR) & UART_LSR_DR) {
            uint8_t c = MMIO8(UART0 + UART_RBR);
            /* a full ring drops the byte: never overwrite unread input */
            if (ring_head - ring_tail < RING_SIZE) {
                ring[ring_head & (RING_SIZE - 1)] = c;
                ring_head++;
            }
        }
    }
    if (src)
        MMIO32(PLIC_CLAIM_CTX0) = src;  /* complete */
}

/* Next input byte; sleeps until there is one. */
static uint8_t next_byte(void)
{
    for (;;) {
        /* Check and sleep with interrupts masked: an interrupt arriving
         * between the check and WFI still wakes WFI (it is pending in mip),
         * so no byte can be missed.  Unmasking then takes the interrupt. */
        csr_clear(mstatus, MSTATUS_MIE);
        if (ring_head != ring_tail) {
            uint8_t c = ring[ring_tail & (RING_SIZE - 1)];
            ring_tail++;
            csr_set(mstatus, MSTATUS_MIE);
            return c;
        }
        __asm__ volatile("wfi");
        csr_set(mstatus, MSTATUS_MIE);
    }
}

static int streq(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

int main(void)
{
    csr_write(mtvec, (uintptr_t)trap_handler);   /* direct mode */

    MMIO32(PLIC_PRIORITY(UART0_IRQ)) = 1;         /* any priority > 0 can fire */
    MMIO32(PLIC_ENABLE_CTX0) = 1u << UART0_IRQ;
    MMIO32(PLIC_THRESHOLD_CTX0) = 0;
    MMIO8(UART0 + UART_IER) = UART_IER_RDI;
    csr_set(mie, MIE_MEIE);
    csr_set(mstatus, MSTATUS_MIE);

    uart_puts("echo guest: type a line and it comes back (UART RX interrupts via the PLIC); \"exit\" powers off\n");
    char line[LINE_MAX + 1];
    uint32_t len = 0;
    int last_cr = 0;
    uart_puts("> ");
    for (;;) {
        uint8_t c = next_byte();
        if (c == '\n' && last_cr) {      /* CR LF from a terminal: one line end */
            last_cr = 0;
            continue;
        }
        last_cr = (c == '\r');
        if (c == '\r' || c == '\n') {
            line[len] = 0;
            uart_putc('\n');
            uart_puts("echo: ");
            uart_puts(line);
            uart_putc('\n');
            if (streq(line, "exit")) {
                uart_puts("bye\n");
                return 0;
            }
            len = 0;
            uart_puts("> ");
        } else if (c == 0x08 || c == 0x7f) { /* backspace or DEL */
            if (len) {
                len--;
                uart_puts("\b \b");
            }
        } else if (c >= 0x20 && c < 0x7f) {
            if (len < LINE_MAX) {
                line[len++] = (char)c;
                uart_putc((char)c);
            }
        }
        /* other control bytes are ignored */
    }
}
