/* spinner - counts the primes below LIMIT by trial division, never making a
 * system call while it computes.  It cannot hog the CPU anyway: the timer
 * interrupt preempts it every 10 ms, which `ps` shows as ticks piling up. */
#include "ulib.h"

#define LIMIT 1500000u

static int is_prime(uint32_t n)
{
    if (n < 2)
        return 0;
    if (n % 2 == 0)
        return n == 2;
    for (uint32_t d = 3; d * d <= n; d += 2)
        if (n % d == 0)
            return 0;
    return 1;
}

int main(void)
{
    int pid = getpid();
    uint64_t t0 = uptime_us();
    uint32_t count = 0;
    for (uint32_t n = 0; n < LIMIT; n++) {
        count += (uint32_t)is_prime(n);
        if (n && n % (LIMIT / 4) == 0)
            printf("[spinner %d] %u%%: %u primes below %u\n", pid, 100 * n / LIMIT, count, n);
    }
    uint32_t ms = (uint32_t)((uptime_us() - t0) / 1000);
    printf("[spinner %d] done: %u primes below %u, %u ms of wall-clock time "
           "(shared with everybody else)\n", pid, count, LIMIT, ms);
    return 0;
}
