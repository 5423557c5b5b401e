/* kernel.h - what the parts of the minios kernel know about each other. */
#ifndef KERNEL_H
#define KERNEL_H

#include <stdint.h>
#include "common.h"
#include "minios.h"
#include "riscv.h"

/* ---- the board (QEMU virt) ---- */
#define RAM_BASE     0x80000000u
#define PLIC_BASE    0x0C000000u
#define PLIC_PRIORITY(src) (PLIC_BASE + 4u * (src))
#define PLIC_S_ENABLE      (PLIC_BASE + 0x2080u)    /* hart 0, context 1 = S-mode */
#define PLIC_S_THRESHOLD   (PLIC_BASE + 0x201000u)
#define PLIC_S_CLAIM       (PLIC_BASE + 0x201004u)  /* read = claim, write = complete */
#define UART_BASE    0x10000000u
#define UART_IRQ     10

/* The scheduler's clock: mtime runs at 10 MHz, so 100000 ticks are 10 ms. */
#define MTIME_HZ     10000000u
#define TICK_MTIME   100000u

/* ---- sbi.c: calls to the firmware (here: the hypervisor) ---- */
struct sbiret {
    long error;
    long value;
};
struct sbiret sbi_call(uint32_t ext, uint32_t fid, uint32_t a0, uint32_t a1, uint32_t a2);
int sbi_probe(uint32_t ext);
void sbi_set_timer(uint64_t when);
int sbi_debug_write(uint32_t pa, uint32_t len);   /* bytes written, or <0 */
int sbi_debug_read(uint32_t pa, uint32_t len);    /* bytes read,    or <0 */
void sbi_debug_write_byte(uint8_t c);
__attribute__((noreturn)) void sbi_shutdown(int failure);

/* ---- console.c: output and input through SBI or the UART ---- */
extern int console_mode;                      /* CONSOLE_SBI or CONSOLE_UART */
const char *console_name(int mode);
void console_set_mode(int mode);
void console_write(const char *s, uint32_t n);  /* turns \n into \r\n */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int console_getc(void);                       /* next buffered input byte or -1 */
uint32_t console_buffered(void);
void console_poll(void);                      /* SBI mode: ask the hypervisor for input */
void console_irq(void);                       /* UART mode: the PLIC said "input" */
void console_rx_resume(void);                 /* the input buffer has room again */

/* ---- fdt.c ---- */
const char *fdt_bootargs(uint32_t fdt_pa);    /* /chosen/bootargs or 0 */

/* ---- vm.c: pages, page tables, user memory ---- */
uint32_t page_alloc(void);                    /* physical address of a zeroed page, or 0 */
void page_free(uint32_t pa);
uint32_t pages_free(void);
uint32_t pages_total(void);
void vm_init(void);
void vm_switch(uint32_t root);                /* load satp (0 = the kernel's own table) */
uint32_t vm_active(void);
uint32_t uvm_create(void);                    /* new root table with the kernel mapped */
int uvm_map(uint32_t root, uint32_t va, uint32_t pa, uint32_t flags);
void uvm_destroy(uint32_t root);              /* frees every page of the address space */
int copy_to_user(uint32_t root, uint32_t dst_va, const void *src, uint32_t n);
int copy_from_user(uint32_t root, void *dst, uint32_t src_va, uint32_t n);
int user_range_ok(uint32_t root, uint32_t va, uint32_t n, uint32_t need);

/* ---- proc.c: processes and the scheduler ---- */
#define NPROC 8

/* Saved user registers.  It is the first member of struct proc, and entry.S
 * knows its layout: regs[i] at 4*i (regs[0] unused), sepc at 128. */
struct trapframe {
    uint32_t regs[32];
    uint32_t sepc;
};

struct proc {
    struct trapframe tf;          /* must stay first (entry.S) */
    int pid;
    enum proc_state state;
    char name[PROC_NAME_LEN];
    int parent;
    int exit_code;
    uint32_t root;                /* physical address of its Sv32 root table */
    uint32_t pages;               /* pages it owns, tables included */
    uint32_t ticks, syscalls;
    uint64_t cpu_mtime;           /* time on the CPU, in mtime ticks (kernel work for it included) */
    uint64_t run_start;           /* when it last got the CPU */
    int on_cpu;                   /* run_start is valid: it holds the CPU now */
    uint64_t wake_at;             /* P_SLEEPING: mtime to wake at */
    const char *wait;             /* P_BLOCKED: "read" or "wait" */
    uint32_t read_va, read_len;   /* blocked in read(): where the bytes go */
    int wait_pid;                 /* blocked in wait(): which child */
};

extern struct proc procs[NPROC];
extern struct proc *current;      /* the process whose registers are live, or 0 */
extern uint64_t ticks;            /* timer ticks since boot */
extern int need_resched;          /* set when current should give up the CPU */

struct proc *proc_find(int pid);
int proc_spawn(const char *prog, uint32_t arg, int parent);
void proc_exit(struct proc *p, int code);
void proc_sleep(struct proc *p, uint32_t ms);
void proc_wake_sleepers(uint64_t now);
void proc_block_read(struct proc *p, uint32_t va, uint32_t len);
void proc_deliver_input(void);
int proc_reader_waiting(void);
int proc_wait(struct proc *p, int pid);
int proc_count_alive(void);
struct proc *schedule(void);
const char *state_name(enum proc_state s);
uint64_t proc_cpu_mtime(struct proc *p);

/* ---- trap.c ---- */
void timer_start(void);
void handle_interrupt(uint32_t cause);
struct proc *trap_handler(struct proc *p);

/* ---- entry.S ---- */
extern void trap_entry(void);
__attribute__((noreturn)) void return_to_user(struct proc *p);

/* ---- user programs built into the image (userimg.S) ---- */
struct program {
    const char *name;
    const uint8_t *start, *end;   /* a minios user image, see user/user.ld */
};
extern const struct program programs[];

__attribute__((noreturn)) void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
