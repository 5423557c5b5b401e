/* uart.h - polled output / non-blocking input on the ns16550a UART0 of `virt`. */
#ifndef UART_H
#define UART_H

#include <stdint.h>

/* ns16550a register offsets (DLAB = 0) and the bits we use */
#define UART_RBR 0  /* read: receive buffer       */
#define UART_THR 0  /* write: transmit holding    */
#define UART_IER 1  /* interrupt enable           */
#define UART_IIR 2  /* read: interrupt ident      */
#define UART_FCR 2  /* write: FIFO control        */
#define UART_LCR 3  /* line control (bit 7: DLAB) */
#define UART_MCR 4
#define UART_LSR 5  /* line status                */
#define UART_SCR 7  /* scratch                    */
#define UART_DLL 0  /* DLAB = 1: divisor low      */
#define UART_DLM 1  /* DLAB = 1: divisor high     */

#define UART_IER_RDI  0x01  /* receive data available interrupt */
#define UART_LSR_DR   0x01  /* data ready                        */
#define UART_LSR_THRE 0x20  /* transmit holding register empty   */

void uart_putc(char c);            /* no "\n" -> "\r\n" translation: bytes go out as is */
void uart_puts(const char *s);
int  uart_getc(void);              /* next received byte, or -1 if none (never blocks) */
void print_hex(uint32_t v);        /* "0x" and exactly 8 lower-case hex digits */
void print_dec(uint32_t v);        /* unsigned decimal, no padding */
void print_dec64(uint64_t v);      /* unsigned decimal of a 64-bit value, no libgcc needed */

#endif
