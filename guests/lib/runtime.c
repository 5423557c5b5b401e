/* runtime.c - what a freestanding C program still needs: the mem* functions
 * (clang emits calls to them for struct copies and zeroing loops even with
 * -ffreestanding) and the report for an unexpected trap. */
#include <stddef.h>
#include <stdint.h>
#include "uart.h"
#include "virt.h"

void *memset(void *d, int c, size_t n)
{
    unsigned char *p = d;
    while (n--)
        *p++ = (unsigned char)c;
    return d;
}

void *memcpy(void *restrict d, const void *restrict s, size_t n)
{
    unsigned char *p = d;
    const unsigned char *q = s;
    while (n--)
        *p++ = *q++;
    return d;
}

void *memmove(void *d, const void *s, size_t n)
{
    unsigned char *p = d;
    const unsigned char *q = s;
    if (p < q) {
        while (n--)
            *p++ = *q++;
    } else {
        while (n--)
            p[n] = q[n];
    }
    return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *p = a, *q = b;
    for (; n; n--, p++, q++)
        if (*p != *q)
            return *p - *q;
    return 0;
}

/* Called by crt0's default trap handler.  Exit status 255 means "crashed". */
__attribute__((noreturn)) void unexpected_trap(uint32_t mcause, uint32_t mepc, uint32_t mtval)
{
    uart_puts("\nunexpected trap: mcause=");
    print_hex(mcause);
    uart_puts(" mepc=");
    print_hex(mepc);
    uart_puts(" mtval=");
    print_hex(mtval);
    uart_putc('\n');
    poweroff(255);
}
