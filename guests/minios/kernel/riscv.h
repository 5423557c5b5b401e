/* riscv.h - the few pieces of the RISC-V privileged architecture minios
 * touches: CSR access, the bits it uses, and Sv32 page-table entries. */
#ifndef RISCV_H
#define RISCV_H

#include <stdint.h>

#define csr_read(name) ({ uint32_t v_; __asm__ volatile("csrr %0, " #name : "=r"(v_)); v_; })
#define csr_write(name, v) __asm__ volatile("csrw " #name ", %0" ::"r"((uint32_t)(v)))
#define csr_set(name, v) __asm__ volatile("csrs " #name ", %0" ::"r"((uint32_t)(v)))
#define csr_clear(name, v) __asm__ volatile("csrc " #name ", %0" ::"r"((uint32_t)(v)))

/* sstatus */
#define SSTATUS_SIE  (1u << 1)   /* interrupts on while in S-mode (minios keeps it off) */
#define SSTATUS_SPIE (1u << 5)
#define SSTATUS_SPP  (1u << 8)   /* mode before the trap: 0 = U, 1 = S */

/* sie / sip */
#define SIE_SSIE (1u << 1)
#define SIE_STIE (1u << 5)       /* supervisor timer  (the SBI timer sets STIP)   */
#define SIE_SEIE (1u << 9)       /* supervisor external (the PLIC's S context)    */

/* scause: the top bit says "interrupt", the rest is the code. */
#define SCAUSE_INTR (1u << 31)
#define IRQ_S_SOFT  1
#define IRQ_S_TIMER 5
#define IRQ_S_EXT   9
#define EXC_INST_MISALIGNED 0
#define EXC_INST_ACCESS     1
#define EXC_ILLEGAL         2
#define EXC_BREAKPOINT      3
#define EXC_LOAD_MISALIGNED 4
#define EXC_LOAD_ACCESS     5
#define EXC_STORE_MISALIGNED 6
#define EXC_STORE_ACCESS    7
#define EXC_ECALL_U         8
#define EXC_INST_PAGE       12
#define EXC_LOAD_PAGE       13
#define EXC_STORE_PAGE      15

/* Sv32: a 32-bit virtual address is VPN[1] (10 bits) | VPN[0] (10 bits) |
 * offset (12 bits); each table is one 4 KiB page of 1024 four-byte PTEs. */
#define PAGE_SIZE   4096u
#define MEGAPAGE    (4u << 20)        /* what one root-level leaf maps */
#define PTE_V (1u << 0)
#define PTE_R (1u << 1)
#define PTE_W (1u << 2)
#define PTE_X (1u << 3)
#define PTE_U (1u << 4)               /* user mode may use it (and S-mode may not, without SUM) */
#define PTE_G (1u << 5)               /* global: the same in every address space */
#define PTE_A (1u << 6)
#define PTE_D (1u << 7)
#define VPN1(va) (((uint32_t)(va) >> 22) & 0x3ff)
#define VPN0(va) (((uint32_t)(va) >> 12) & 0x3ff)
#define PA_TO_PTE(pa) (((uint32_t)(pa) >> 12) << 10)
#define PTE_TO_PA(pte) (((uint32_t)(pte) >> 10) << 12)
#define SATP_SV32 (1u << 31)

typedef uint32_t pte_t;

/* 64-bit mtime on a 32-bit hart: high, low, high again; retry if the low word
 * wrapped in between. */
static inline uint64_t rdtime64(void)
{
    uint32_t hi, lo, hi2;
    do {
        __asm__ volatile("rdtimeh %0" : "=r"(hi));
        __asm__ volatile("rdtime %0" : "=r"(lo));
        __asm__ volatile("rdtimeh %0" : "=r"(hi2));
    } while (hi != hi2);
    return ((uint64_t)hi << 32) | lo;
}

static inline void sfence_vma(void) { __asm__ volatile("sfence.vma zero, zero" ::: "memory"); }
static inline void wfi(void) { __asm__ volatile("wfi" ::: "memory"); }

/* MMIO: volatile so that every access really reaches the device. */
#define MMIO8(a)  (*(volatile uint8_t *)(uintptr_t)(a))
#define MMIO32(a) (*(volatile uint32_t *)(uintptr_t)(a))

#endif
