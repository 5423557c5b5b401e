/* bench-paged: the bench workload run in S-mode with Sv32 paging on.
 *
 * main() (M-mode) builds one page table that maps the first 4 MiB of RAM with 4 KiB pages
 * (so every page the benchmark touches needs its own TLB entry, as in an OS) and the two
 * device pages it needs, turns on satp, and drops to S-mode to run the unchanged benchmark.
 * Comparing its MIPS with bench's shows what address translation costs the core.
 */
#include <stdint.h>

#define main bench_main
#include "../bench/bench.c"
#undef main

#define PTE_V 0x01
#define PTE_R 0x02
#define PTE_W 0x04
#define PTE_X 0x08
#define PTE_A 0x40
#define PTE_D 0x80

static uint32_t root[1024] __attribute__((aligned(4096)));
static uint32_t ram_l0[1024] __attribute__((aligned(4096)));

static uint32_t leaf(uint32_t pa, uint32_t perms) {
    return ((pa >> 12) << 10) | perms | PTE_V | PTE_A | PTE_D;
}

static void supervisor_entry(void) {
    poweroff(bench_main());
}

int main(void) {
    /* RAM 0x80000000..0x803fffff: 1024 pages of 4 KiB through a second-level table. */
    for (uint32_t i = 0; i < 1024; i++)
        ram_l0[i] = leaf(0x80000000u + (i << 12), PTE_R | PTE_W | PTE_X);
    root[0x80000000u >> 22] = (((uint32_t)ram_l0 >> 12) << 10) | PTE_V;
    /* Devices as 4 MiB megapages: the UART and the test device (for poweroff). */
    root[0x10000000u >> 22] = leaf(0x10000000u, PTE_R | PTE_W);
    root[0x00000000u >> 22] = leaf(0x00000000u, PTE_R | PTE_W);

    /* One PMP entry granting everything: QEMU refuses to leave M-mode without any. */
    __asm__ volatile("csrw pmpaddr0, %0" ::"r"(0xffffffffu));
    __asm__ volatile("csrw pmpcfg0, %0" ::"r"(0x1f));
    /* Let S-mode read the counters the benchmark reports. */
    __asm__ volatile("csrw mcounteren, %0" ::"r"(7));
    __asm__ volatile("csrw satp, %0" ::"r"((1u << 31) | ((uint32_t)root >> 12)));
    __asm__ volatile("sfence.vma");
    /* mret into S-mode at supervisor_entry, keeping the same stack (identity-mapped). */
    uint32_t mstatus;
    __asm__ volatile("csrr %0, mstatus" : "=r"(mstatus));
    mstatus = (mstatus & ~(3u << 11)) | (1u << 11);
    __asm__ volatile("csrw mstatus, %0" ::"r"(mstatus));
    __asm__ volatile("csrw mepc, %0" ::"r"(supervisor_entry));
    __asm__ volatile("mret");
    return 1; /* not reached */
}
