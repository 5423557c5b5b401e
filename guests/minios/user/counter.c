/* counter - sleeps 200 ms, counts, repeats.  Shows sleep() and the timer:
 * the process is off the CPU between counts (state "sleeping" in ps).
 * To keep the console usable it prints the first 10 counts, then one line
 * every 25 counts (5 seconds). */
#include "ulib.h"

int main(void)
{
    int pid = getpid();
    for (unsigned n = 1;; n++) {
        sleep_ms(200);
        if (n <= 10 || n % 25 == 0)
            printf("[counter %d] %u%s\n", pid, n,
                   n == 10 ? " (quieter now: one line every 5 s)" : "");
    }
}
