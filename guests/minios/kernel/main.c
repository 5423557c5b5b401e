/* main.c - boot: pick a console, turn on paging, start the first processes,
 * and drop to U-mode.  After this the kernel only runs on traps. */
#include "kernel.h"

#define EXT_DBCN 0x4442434E

/* Is `word` one of the space-separated words of `s`? */
static int has_word(const char *s, const char *word)
{
    size_t n = strlen(word);
    while (*s) {
        while (*s == ' ')
            s++;
        if (strncmp(s, word, n) == 0 && (s[n] == ' ' || s[n] == 0))
            return 1;
        while (*s && *s != ' ')
            s++;
    }
    return 0;
}

__attribute__((noreturn)) void kmain(uint32_t hartid, uint32_t dtb)
{
    /* Traps go to trap_entry; sscratch = 0 says "the kernel is running".
     * sstatus: SIE off (the kernel is never interrupted, it polls sip when
     * idle); SPP = 0 so that sret always enters U-mode. */
    csr_write(sscratch, 0);
    csr_write(stvec, (uint32_t)(uintptr_t)trap_entry);
    csr_clear(sstatus, SSTATUS_SIE | SSTATUS_SPP);

    /* The console: console=sbi|uart in the device tree's bootargs, else SBI. */
    int mode = CONSOLE_SBI;
    const char *why = "default";
    const char *args = fdt_bootargs(dtb);   /* before paging: dtb is a physical address */
    if (args && has_word(args, "console=uart"))
        mode = CONSOLE_UART, why = "from bootargs";
    else if (args && has_word(args, "console=sbi"))
        why = "from bootargs";
    if (mode == CONSOLE_SBI && !sbi_probe(EXT_DBCN))
        mode = CONSOLE_UART, why = "the firmware has no SBI debug console";
    console_set_mode(mode);

    kprintf("\nminios: booting (console=%s, %s)\n", console_name(mode), why);
    if (args && *args)
        kprintf("minios: hart %u, device tree at 0x%08x, bootargs \"%s\"\n", hartid, dtb, args);
    else
        kprintf("minios: hart %u, device tree at 0x%08x\n", hartid, dtb);

    vm_init();
    extern char _start[], __pool_start[];
    kprintf("minios: Sv32 paging on; kernel %u KiB at 0x%08x, %u free pages of 4 KiB\n",
            (unsigned)(__pool_start - _start) / 1024, RAM_BASE, pages_free());

    static const char *const first[] = {"counter", "spinner", "shell"};
    int started = 0;
    for (unsigned i = 0; i < sizeof first / sizeof first[0]; i++) {
        int pid = proc_spawn(first[i], 0, 0);
        if (pid < 0)
            kprintf("minios: cannot start %s (error %d)\n", first[i], pid);
        else
            started++;
    }
    kprintf("minios: started %d processes\n", started);

    timer_start();
    return_to_user(schedule());
}
