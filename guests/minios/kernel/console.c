/* console.c - the kernel's terminal, with two interchangeable back ends.
 *
 *  CONSOLE_SBI  (paravirtualized): minios knows it runs on a hypervisor and
 *      asks it directly.  Output: one DBCN console_write hypercall carries a
 *      whole buffer.  Input: DBCN console_read, polled (on every timer tick
 *      while a process waits in read(), and at the read() itself).
 *      VM exits: about one per write() and one per poll.
 *
 *  CONSOLE_UART (fully virtualized): minios drives the ns16550a as if it
 *      were real hardware.  Output: wait for LSR.THRE, write THR - two MMIO
 *      accesses per byte, and the hypervisor must trap and emulate each one.
 *      Input: the UART raises its RX interrupt through the PLIC (S-mode
 *      context); the handler claims it, reads LSR/RBR per byte, completes it.
 *      VM exits: two or more per byte, both ways.
 *
 * Both feed the same input ring, from which read() takes bytes.  The kernel
 * applies one line-discipline rule: "\n" goes out as "\r\n" (as a Unix tty
 * does), so a raw terminal returns to column 0. */
#include "kernel.h"

int console_mode = CONSOLE_SBI;

const char *console_name(int mode)
{
    return mode == CONSOLE_UART ? "uart" : "sbi";
}

/* ---- the ns16550a, register by register ---- */
#define UART_RBR 0   /* read: received byte          */
#define UART_THR 0   /* write: byte to send          */
#define UART_IER 1   /* interrupt enable             */
#define UART_LCR 3   /* line control (data bits...)  */
#define UART_LSR 5   /* line status                  */
#define IER_RDI  0x01  /* interrupt when data is received */
#define LSR_DR   0x01  /* data ready                     */
#define LSR_THRE 0x20  /* transmit holding register empty */
#define UART(reg) MMIO8(UART_BASE + (reg))

static void uart_putc(char c)
{
    while (!(UART(UART_LSR) & LSR_THRE)) /* one MMIO exit per check */
        ;
    UART(UART_THR) = (uint8_t)c;         /* and one per byte */
}

/* Route the UART's receive interrupt to us (or stop it): UART IER -> PLIC
 * source 10 -> PLIC context 1 (hart 0, S-mode) -> sip.SEIP -> our trap. */
static void uart_rx_interrupts(int on)
{
    if (on) {
        UART(UART_LCR) = 0x03;                   /* 8 data bits, no parity, 1 stop bit */
        MMIO32(PLIC_PRIORITY(UART_IRQ)) = 1;      /* priority 0 would mean "never" */
        MMIO32(PLIC_S_THRESHOLD) = 0;             /* let every priority > 0 through */
        MMIO32(PLIC_S_ENABLE) = 1u << UART_IRQ;   /* the only source minios uses */
        UART(UART_IER) = IER_RDI;
        csr_set(sie, SIE_SEIE);
    } else {
        UART(UART_IER) = 0;
        MMIO32(PLIC_S_ENABLE) = 0;
        csr_clear(sie, SIE_SEIE);
    }
}

/* ---- the input ring: bytes that arrived but nobody has read yet ---- */
#define IN_SIZE 256
static char in_buf[IN_SIZE];
static uint32_t in_head, in_count;
static int rx_throttled;  /* UART RX interrupt masked because the ring is full */

static void in_put(char c)
{
    in_buf[(in_head + in_count) % IN_SIZE] = c;
    in_count++;
}

int console_getc(void)
{
    if (in_count == 0)
        return -1;
    char c = in_buf[in_head];
    in_head = (in_head + 1) % IN_SIZE;
    in_count--;
    return (unsigned char)c;
}

uint32_t console_buffered(void) { return in_count; }

/* SBI mode: fetch whatever input the hypervisor holds, as far as the ring
 * has room.  One hypercall (one VM exit), whether or not there is input. */
void console_poll(void)
{
    static char tmp[IN_SIZE];
    if (console_mode != CONSOLE_SBI || in_count == IN_SIZE)
        return;
    int n = sbi_debug_read((uint32_t)(uintptr_t)tmp, IN_SIZE - in_count);
    for (int i = 0; i < n; i++)
        in_put(tmp[i]);
}

/* UART mode: an external interrupt.  Claim it from the PLIC, drain the
 * UART's receive buffer into the ring, then complete it. */
void console_irq(void)
{
    uint32_t src = MMIO32(PLIC_S_CLAIM);
    if (src == UART_IRQ) {
        while (in_count < IN_SIZE && (UART(UART_LSR) & LSR_DR))
            in_put((char)UART(UART_RBR));
        if (in_count == IN_SIZE && (UART(UART_LSR) & LSR_DR)) {
            /* No room: mask the RX interrupt, or it would fire forever
             * (it is level-triggered: it stays up while data waits). */
            UART(UART_IER) = 0;
            rx_throttled = 1;
        }
    }
    if (src)
        MMIO32(PLIC_S_CLAIM) = src;
}

/* A reader made room in the ring: let the UART interrupt us again. */
void console_rx_resume(void)
{
    if (rx_throttled && console_mode == CONSOLE_UART) {
        rx_throttled = 0;
        UART(UART_IER) = IER_RDI;
    }
}

void console_set_mode(int mode)
{
    if (mode == console_mode)
        return;
    if (console_mode == CONSOLE_UART)
        uart_rx_interrupts(0);
    console_mode = mode;
    rx_throttled = 0;
    if (mode == CONSOLE_UART)
        uart_rx_interrupts(1);
}

/* ---- output ---- */

/* Hand a buffer to the hypervisor, retrying the part it did not take. */
static void sbi_write_all(const char *buf, uint32_t len)
{
    /* The kernel's memory is identity-mapped, so this virtual address is
     * also the physical address the SBI wants. */
    uint32_t pa = (uint32_t)(uintptr_t)buf, done = 0;
    while (done < len) {
        int n = sbi_debug_write(pa + done, len - done);
        if (n <= 0) {
            /* No room at all (or an error): the one-byte call waits for room. */
            sbi_debug_write_byte((uint8_t)buf[done]);
            n = 1;
        }
        done += (uint32_t)n;
    }
}

void console_write(const char *s, uint32_t n)
{
    if (console_mode == CONSOLE_UART) {
        for (uint32_t i = 0; i < n; i++) {
            if (s[i] == '\n')
                uart_putc('\r');
            uart_putc(s[i]);
        }
        return;
    }
    /* SBI: stage the text (with \r added) and send it in big pieces. */
    static char stage[512];
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (k + 2 > sizeof stage) {
            sbi_write_all(stage, k);
            k = 0;
        }
        if (s[i] == '\n')
            stage[k++] = '\r';
        stage[k++] = s[i];
    }
    if (k)
        sbi_write_all(stage, k);
}

void kprintf(const char *f, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, f);
    int n = vfmt(buf, sizeof buf, f, ap);
    va_end(ap);
    console_write(buf, n < (int)sizeof buf ? (uint32_t)n : sizeof buf - 1);
}
