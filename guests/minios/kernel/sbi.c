/* sbi.c - hypercalls.  minios runs in S-mode under a firmware that speaks
 * the RISC-V SBI; under minivisor that firmware *is* the hypervisor, so each
 * ECALL here is a VM exit that the hypervisor counts by extension and
 * function.  Calling convention (SBI 2.0): a7 = extension ID, a6 = function
 * ID, a0..a5 = arguments; back come a0 = error (0 = success), a1 = value. */
#include "kernel.h"

#define EXT_BASE 0x10
#define EXT_TIME 0x54494D45  /* "TIME" */
#define EXT_SRST 0x53525354  /* "SRST" */
#define EXT_DBCN 0x4442434E  /* "DBCN": debug console */

struct sbiret sbi_call(uint32_t ext, uint32_t fid, uint32_t a0, uint32_t a1, uint32_t a2)
{
    register uint32_t r_a0 __asm__("a0") = a0;
    register uint32_t r_a1 __asm__("a1") = a1;
    register uint32_t r_a2 __asm__("a2") = a2;
    register uint32_t r_a6 __asm__("a6") = fid;
    register uint32_t r_a7 __asm__("a7") = ext;
    /* "memory": the firmware may read or write our buffers (DBCN). */
    __asm__ volatile("ecall"
                     : "+r"(r_a0), "+r"(r_a1)
                     : "r"(r_a2), "r"(r_a6), "r"(r_a7)
                     : "memory");
    return (struct sbiret){(long)r_a0, (long)r_a1};
}

/* BASE probe_extension: value != 0 when the extension exists. */
int sbi_probe(uint32_t ext)
{
    struct sbiret r = sbi_call(EXT_BASE, 3, ext, 0, 0);
    return r.error == 0 && r.value != 0;
}

/* TIME set_timer: raise the supervisor timer interrupt (sip.STIP) once mtime
 * reaches `when`; calling it again also clears the pending one. */
void sbi_set_timer(uint64_t when)
{
    sbi_call(EXT_TIME, 0, (uint32_t)when, (uint32_t)(when >> 32), 0);
}

/* DBCN console_write: hand the firmware a whole buffer by PHYSICAL address
 * (the firmware knows nothing of our page tables).  It may take only part
 * of it when its output buffer is full. */
int sbi_debug_write(uint32_t pa, uint32_t len)
{
    struct sbiret r = sbi_call(EXT_DBCN, 0, len, pa, 0);
    return r.error ? (int)r.error : (int)r.value;
}

/* DBCN console_read: up to len bytes of pending input, 0 when there is none.
 * It never waits, which is why minios polls it on the timer tick. */
int sbi_debug_read(uint32_t pa, uint32_t len)
{
    struct sbiret r = sbi_call(EXT_DBCN, 1, len, pa, 0);
    return r.error ? (int)r.error : (int)r.value;
}

/* DBCN console_write_byte: one byte, and the firmware waits for room. */
void sbi_debug_write_byte(uint8_t c)
{
    sbi_call(EXT_DBCN, 2, c, 0, 0);
}

/* SRST system_reset(type 0 = shutdown, reason 0 = none / 1 = failure). */
void sbi_shutdown(int failure)
{
    sbi_call(EXT_SRST, 0, 0, failure ? 1 : 0, 0);
    sbi_call(0x08, 0, 0, 0, 0); /* SBI 0.1 legacy shutdown, for old firmware */
    for (;;)
        wfi();
}
