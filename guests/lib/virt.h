/* virt.h - addresses of the QEMU `virt` board subset that minivisor implements,
 * and a few CSR helpers.  Shared by every C guest. */
#ifndef VIRT_H
#define VIRT_H

#include <stdint.h>

#define TEST_DEV   0x00100000u  /* SiFive test device: poweroff / reset */
#define CLINT      0x02000000u
#define CLINT_MSIP      (CLINT + 0x0000)
#define CLINT_MTIMECMP  (CLINT + 0x4000)
#define CLINT_MTIME     (CLINT + 0xBFF8)
#define PLIC       0x0C000000u
#define PLIC_PRIORITY(src)  (PLIC + 4u * (src))
#define PLIC_ENABLE_CTX0    (PLIC + 0x2000)    /* hart 0, M-mode context */
#define PLIC_THRESHOLD_CTX0 (PLIC + 0x200000)
#define PLIC_CLAIM_CTX0     (PLIC + 0x200004)
#define UART0      0x10000000u
#define UART0_IRQ  10

#define MMIO32(a) (*(volatile uint32_t *)(uintptr_t)(a))
#define MMIO8(a)  (*(volatile uint8_t *)(uintptr_t)(a))

/* mstatus / mie / mip bits used by the guests */
#define MSTATUS_MIE  (1u << 3)
#define MIE_MSIE     (1u << 3)
#define MIE_MTIE     (1u << 7)
#define MIE_MEIE     (1u << 11)

#define csr_read(csr) ({ uint32_t v_; __asm__ volatile("csrr %0, " #csr : "=r"(v_)); v_; })
#define csr_write(csr, v) __asm__ volatile("csrw " #csr ", %0" :: "r"((uint32_t)(v)))
#define csr_set(csr, v)   __asm__ volatile("csrs " #csr ", %0" :: "r"((uint32_t)(v)))
#define csr_clear(csr, v) __asm__ volatile("csrc " #csr ", %0" :: "r"((uint32_t)(v)))

/* Power the machine off through the test device (crt0.S).  code 0 -> exit 0,
 * otherwise the emulator's exit status is `code` (QEMU keeps the low 8 bits). */
__attribute__((noreturn)) void poweroff(uint32_t code);

/* 64-bit counters on RV32: read high, low, high again and retry if the high
 * half changed in between (the low half wrapped). */
uint64_t read_instret(void);
uint64_t read_cycle(void);

#endif
