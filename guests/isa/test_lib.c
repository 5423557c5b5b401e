/* test_lib.c - reporting for the ISA tests (called from test.h's macros). */
#include <stdint.h>
#include "uart.h"

uint32_t t_trap[6];   /* cause, tval, epc, status, count, resume: see test.h */

static uint32_t count, failures;

void t_begin(const char *title)
{
    uart_puts("# ");
    uart_puts(title);
    uart_putc('\n');
}

void t_check(const char *name, uint32_t got, uint32_t expected)
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
    if (got != expected) {
        uart_puts(" got ");
        print_hex(got);
        uart_puts(" expected ");
        print_hex(expected);
    }
    uart_putc('\n');
}

uint32_t t_done(void)
{
    uart_puts("# ");
    print_dec(count - failures);
    uart_puts(" passed, ");
    print_dec(failures);
    uart_puts(" failed\n");
    return failures;
}
