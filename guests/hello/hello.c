/* hello - the smallest guest: prints two lines and powers off with exit 0.
 * Shows that loading, the UART and the test device work. */
#include "uart.h"

int main(void)
{
    uart_puts("Hello from minivisor!\n");
    uart_puts("hello: a bare-metal RV32 guest printing on the ns16550a UART, then powering off\n");
    return 0;
}
