/* ulib.c - the user side of the system calls.  A system call is an ECALL
 * from U-mode: the number in a7, arguments in a0..a2, the result in a0
 * (and a1).  The CPU traps into the kernel's trap_entry; sret brings us back
 * to the instruction after the ECALL. */
#include "ulib.h"

static inline uint32_t syscall3(uint32_t n, uint32_t a, uint32_t b, uint32_t c, uint32_t *hi)
{
    register uint32_t a0 __asm__("a0") = a;
    register uint32_t a1 __asm__("a1") = b;
    register uint32_t a2 __asm__("a2") = c;
    register uint32_t a7 __asm__("a7") = n;
    /* "memory": the kernel reads and writes our buffers. */
    __asm__ volatile("ecall" : "+r"(a0), "+r"(a1) : "r"(a2), "r"(a7) : "memory");
    if (hi)
        *hi = a1;
    return a0;
}
#define SYSCALL(n, a, b, c) ((int)syscall3((n), (uint32_t)(a), (uint32_t)(b), (uint32_t)(c), 0))

int write(int fd, const void *buf, unsigned len) { return SYSCALL(SYS_WRITE, fd, buf, len); }
int read(int fd, void *buf, unsigned len) { return SYSCALL(SYS_READ, fd, buf, len); }
void yield(void) { SYSCALL(SYS_YIELD, 0, 0, 0); }
void sleep_ms(unsigned ms) { SYSCALL(SYS_SLEEP, ms, 0, 0); }
int getpid(void) { return SYSCALL(SYS_GETPID, 0, 0, 0); }
int spawn(const char *program, unsigned arg) { return SYSCALL(SYS_SPAWN, program, arg, 0); }
int kill(int pid) { return SYSCALL(SYS_KILL, pid, 0, 0); }
int wait(int pid) { return SYSCALL(SYS_WAIT, pid, 0, 0); }
int procinfo(int slot, struct procinfo *info) { return SYSCALL(SYS_PROCINFO, slot, info, 0); }
int console(int mode) { return SYSCALL(SYS_CONSOLE, mode, 0, 0); }

uint64_t uptime_us(void)
{
    uint32_t hi;
    uint32_t lo = syscall3(SYS_UPTIME, 0, 0, 0, &hi);
    return (uint64_t)hi << 32 | lo;
}

uint64_t cputime_us(void)
{
    uint32_t hi;
    uint32_t lo = syscall3(SYS_CPUTIME, 0, 0, 0, &hi);
    return (uint64_t)hi << 32 | lo;
}

void exit(int code)
{
    SYSCALL(SYS_EXIT, code, 0, 0);
    for (;;)   /* not reached: the kernel never returns from exit */
        ;
}

void poweroff(void)
{
    SYSCALL(SYS_POWEROFF, 0, 0, 0);
    for (;;)
        ;
}

int print(const char *s) { return write(1, s, strlen(s)); }

/* Formats into a stack buffer and makes one write(): one system call (and,
 * on the SBI console, one hypercall) per printf. */
int printf(const char *f, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, f);
    int n = vfmt(buf, sizeof buf, f, ap);
    va_end(ap);
    if (n >= (int)sizeof buf)
        n = sizeof buf - 1;
    return write(1, buf, (unsigned)n);
}
