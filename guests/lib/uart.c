/* uart.c - the smallest useful console on ns16550a.  Polled on purpose: it
 * works before (and without) any interrupt setup and in trap handlers. */
#include "uart.h"
#include "virt.h"

#define REG(off) MMIO8(UART0 + (off))

void uart_putc(char c)
{
    /* Wait for room: on QEMU and minivisor THR is always empty, but a real
     * 16550 is not, and the check is what a well-behaved driver does. */
    while (!(REG(UART_LSR) & UART_LSR_THRE))
        ;
    REG(UART_THR) = (uint8_t)c;
}

void uart_puts(const char *s)
{
    while (*s)
        uart_putc(*s++);
}

int uart_getc(void)
{
    if (!(REG(UART_LSR) & UART_LSR_DR))
        return -1;
    return REG(UART_RBR);
}

void print_hex(uint32_t v)
{
    uart_puts("0x");
    for (int shift = 28; shift >= 0; shift -= 4)
        uart_putc("0123456789abcdef"[(v >> shift) & 0xf]);
}

void print_dec(uint32_t v)
{
    char buf[10];
    int n = 0;
    do {
        buf[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        uart_putc(buf[--n]);
}

/* Divide a 64-bit value by 10 with 32-bit divisions only (RV32M has no 64-bit
 * divide and we link no libgcc): long division in 16-bit digits, the partial
 * remainder (< 10) shifted in front of each digit never overflows 32 bits. */
static uint32_t divmod10_64(uint64_t *v)
{
    uint32_t hi = (uint32_t)(*v >> 32), lo = (uint32_t)*v;
    uint32_t qhi = hi / 10, r = hi % 10;
    uint32_t t = (r << 16) | (lo >> 16);
    uint32_t q1 = t / 10;
    r = t % 10;
    t = (r << 16) | (lo & 0xffff);
    uint32_t q0 = t / 10;
    r = t % 10;
    *v = ((uint64_t)qhi << 32) | (q1 << 16) | q0;
    return r;
}

void print_dec64(uint64_t v)
{
    char buf[20];
    int n = 0;
    do {
        buf[n++] = (char)('0' + divmod10_64(&v));
    } while (v);
    while (n)
        uart_putc(buf[--n]);
}
