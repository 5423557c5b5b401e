/* evil - misbehaves on purpose, in the way its argument says.  Each attempt
 * traps; the kernel kills this process and everybody else keeps running.
 * The shell starts it with `evil KIND`. */
#include "ulib.h"

enum { MEM, NUL, EXEC, PRIV, SRET, MMIO, HOG };

/* Hide a constant address from the optimizer, so it emits the access as
 * written (it may assume address 0 is never accessed). */
static uintptr_t opaque(uintptr_t a)
{
    __asm__ volatile("" : "+r"(a));
    return a;
}

int main(int kind)
{
    int pid = getpid();
    switch (kind) {
    case MEM:
        printf("[evil %d] writing 0xdeadbeef into the kernel's memory at 0x80001000...\n", pid);
        *(volatile uint32_t *)opaque(0x80001000) = 0xdeadbeef;
        break;
    case NUL:
        printf("[evil %d] reading address 0 (nothing is mapped there)...\n", pid);
        (void)*(volatile uint32_t *)opaque(0);
        break;
    case EXEC:
        printf("[evil %d] jumping into the kernel's code at 0x80000000...\n", pid);
        ((void (*)(void))opaque(0x80000000))();
        break;
    case PRIV: {
        printf("[evil %d] reading the supervisor CSR sstatus from U-mode...\n", pid);
        uint32_t v;
        __asm__ volatile("csrr %0, sstatus" : "=r"(v));
        printf("[evil %d] sstatus = 0x%x\n", pid, v);
        break;
    }
    case SRET:
        printf("[evil %d] executing sret, hoping to become the supervisor...\n", pid);
        __asm__ volatile("sret");
        break;
    case MMIO:
        printf("[evil %d] writing to the UART's registers at 0x10000000 directly...\n", pid);
        *(volatile uint8_t *)opaque(0x10000000) = '!';
        break;
    case HOG:
        printf("[evil %d] spinning forever without a single system call...\n", pid);
        for (;;)
            __asm__ volatile("");
    }
    printf("[evil %d] ...and nothing stopped me?!\n", pid);
    return 1;
}
