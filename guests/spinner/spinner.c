/* spinner - a guest that never waits.
 *
 * It computes forever (a xorshift32 generator folded into an FNV-1a hash, so
 * the work cannot be optimized away) and prints a progress line after every
 * round of about 50 million instructions: "spinner: 12 rounds, hash 0x...".
 * It never executes WFI and never powers off, so it always wants the whole
 * CPU: run two or three spinners with different scheduler weights and the
 * rate at which each one prints shows its CPU share.  Stop it from the host
 * (Ctrl-A x in the CLI, pause/reset in the page).
 */
#include <stdint.h>
#include "uart.h"

/* One iteration of the loop below is 10 instructions (clang-16 -O2, rv32imac):
 * 5,000,000 iterations are ~50 M instructions. */
#define ITERATIONS_PER_ROUND 5000000u

int main(void)
{
    uart_puts("spinner: a busy guest that never waits (no WFI, never powers off); "
              "one line per ~50 M instructions\n");
    uint32_t x = 0x12345678u;      /* xorshift32 state */
    uint32_t hash = 0x811c9dc5u;   /* FNV-1a offset basis */
    for (uint32_t round = 1;; round++) {
        for (uint32_t i = 0; i < ITERATIONS_PER_ROUND; i++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            hash = (hash ^ x) * 0x01000193u;   /* FNV prime */
        }
        uart_puts("spinner: ");
        print_dec(round);
        uart_puts(round == 1 ? " round, hash " : " rounds, hash ");
        print_hex(hash);
        uart_putc('\n');
    }
}
