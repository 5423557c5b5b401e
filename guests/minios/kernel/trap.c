/* trap.c - everything that enters the kernel after boot: timer ticks,
 * console interrupts, system calls, and faults. */
#include "kernel.h"

/* ---- the timer ---- */
static uint64_t next_tick;

void timer_start(void)
{
    next_tick = rdtime64() + TICK_MTIME;
    sbi_set_timer(next_tick);
    csr_set(sie, SIE_STIE);
}

/* Every 10 ms: account, wake sleepers, poll SBI input, preempt. */
static void on_tick(void)
{
    uint64_t now = rdtime64();
    ticks++;
    /* Aim at a fixed grid (no drift); if we fell behind, restart from now. */
    next_tick += TICK_MTIME;
    if (next_tick <= now)
        next_tick = now + TICK_MTIME;
    sbi_set_timer(next_tick);   /* also clears the pending STIP */

    if (current && current->state == P_RUNNING)
        current->ticks++;       /* charged to whoever the tick interrupted */
    proc_wake_sleepers(now);
    /* SBI console input cannot interrupt us: ask for it, but only while
     * somebody waits for it (each poll is a hypercall). */
    if (console_mode == CONSOLE_SBI && proc_reader_waiting())
        console_poll();
    proc_deliver_input();
    need_resched = 1;           /* the time slice is over */
}

void handle_interrupt(uint32_t irq)
{
    if (irq == IRQ_S_TIMER) {
        on_tick();
    } else if (irq == IRQ_S_EXT) {
        console_irq();
        proc_deliver_input();
    } else {
        csr_clear(sip, 1u << irq);   /* a stray software interrupt: just drop it */
    }
}

/* ---- faults: the process did something it may not ---- */
static const char *cause_name(uint32_t cause)
{
    switch (cause) {
    case EXC_INST_MISALIGNED: return "misaligned instruction fetch";
    case EXC_INST_ACCESS: return "instruction access fault";
    case EXC_ILLEGAL: return "illegal instruction";
    case EXC_BREAKPOINT: return "breakpoint";
    case EXC_LOAD_MISALIGNED: return "misaligned load";
    case EXC_LOAD_ACCESS: return "load access fault";
    case EXC_STORE_MISALIGNED: return "misaligned store";
    case EXC_STORE_ACCESS: return "store access fault";
    case EXC_INST_PAGE: return "instruction page fault";
    case EXC_LOAD_PAGE: return "load page fault";
    case EXC_STORE_PAGE: return "store page fault";
    default: return "exception";
    }
}

static void kill_on_fault(struct proc *p, uint32_t cause, uint32_t stval)
{
    if (cause == EXC_ILLEGAL)   /* stval holds the instruction's bits */
        kprintf("minios: killed pid %d (%s): illegal instruction 0x%08x at pc 0x%08x (scause %u)\n",
                p->pid, p->name, stval, p->tf.sepc, cause);
    else                        /* stval holds the faulting address */
        kprintf("minios: killed pid %d (%s): %s at 0x%08x (scause %u, pc 0x%08x)\n",
                p->pid, p->name, cause_name(cause), stval, cause, p->tf.sepc);
    proc_exit(p, -1);
}

/* ---- system calls ---- */
static int sys_write(struct proc *p, int fd, uint32_t va, uint32_t len)
{
    if (fd != 1 && fd != 2)
        return E_INVAL;
    if (!user_range_ok(p->root, va, len, PTE_R))
        return E_FAULT;
    char buf[256];
    for (uint32_t done = 0; done < len;) {
        uint32_t n = len - done < sizeof buf ? len - done : sizeof buf;
        copy_from_user(p->root, buf, va + done, n);
        console_write(buf, n);
        done += n;
    }
    return (int)len;
}

static int sys_read(struct proc *p, int fd, uint32_t va, uint32_t len)
{
    if (fd != 0)
        return E_INVAL;
    if (len == 0)
        return 0;
    if (!user_range_ok(p->root, va, len, PTE_W))
        return E_FAULT;
    proc_block_read(p, va, len);   /* sets a0 itself, now or when input comes */
    return (int)p->tf.regs[10];
}

/* A NUL-terminated string from user memory, byte by byte (it may cross a page). */
static int user_string(struct proc *p, char *dst, uint32_t size, uint32_t va)
{
    for (uint32_t i = 0; i < size; i++) {
        if (copy_from_user(p->root, &dst[i], va + i, 1) < 0)
            return E_FAULT;
        if (!dst[i])
            return 0;
    }
    return E_INVAL;   /* too long */
}

static int sys_spawn(struct proc *p, uint32_t name_va, uint32_t arg)
{
    char name[PROC_NAME_LEN];
    int r = user_string(p, name, sizeof name, name_va);
    return r < 0 ? r : proc_spawn(name, arg, p->pid);
}

static int sys_kill(struct proc *p, int pid)
{
    struct proc *q = proc_find(pid);
    if (!q || q->state == P_ZOMBIE)
        return E_NOPROC;
    kprintf("minios: pid %d (%s) killed by pid %d (%s)\n", q->pid, q->name, p->pid, p->name);
    proc_exit(q, -1);
    return 0;
}

static int sys_procinfo(struct proc *p, uint32_t slot, uint32_t va)
{
    if (slot >= NPROC)
        return E_INVAL;
    struct proc *q = &procs[slot];
    struct procinfo info;
    memset(&info, 0, sizeof info);
    info.pid = q->pid;
    info.state = q->state;
    info.parent = q->parent;
    info.exit_code = q->exit_code;
    info.ticks = q->ticks;
    info.cpu_us = (uint32_t)(proc_cpu_mtime(q) / (MTIME_HZ / 1000000));
    info.syscalls = q->syscalls;
    info.pages = q->pages;
    strncpy0(info.name, q->name, sizeof info.name);
    if (q->state == P_BLOCKED)
        strncpy0(info.wait, q->wait, sizeof info.wait);
    if (copy_to_user(p->root, va, &info, sizeof info) < 0)
        return E_FAULT;
    return q->state != P_FREE;
}

static void syscall(struct proc *p)
{
    uint32_t *r = p->tf.regs;
    uint32_t n = r[17], a0 = r[10], a1 = r[11], a2 = r[12];
    int ret = 0;
    p->syscalls++;
    switch (n) {
    case SYS_EXIT:
        kprintf("minios: pid %d (%s) exited with code %d\n", p->pid, p->name, (int)a0);
        proc_exit(p, (int)a0);
        return;
    case SYS_WRITE: ret = sys_write(p, (int)a0, a1, a2); break;
    case SYS_READ: ret = sys_read(p, (int)a0, a1, a2); break;
    case SYS_YIELD: need_resched = 1; break;
    case SYS_SLEEP: proc_sleep(p, a0); break;
    case SYS_GETPID: ret = p->pid; break;
    case SYS_UPTIME: {
        uint64_t us = rdtime64() / (MTIME_HZ / 1000000);   /* 10 mtime ticks per us */
        r[11] = (uint32_t)(us >> 32);
        ret = (int)(uint32_t)us;
        break;
    }
    case SYS_CPUTIME: {
        uint64_t us = proc_cpu_mtime(p) / (MTIME_HZ / 1000000);
        r[11] = (uint32_t)(us >> 32);
        ret = (int)(uint32_t)us;
        break;
    }
    case SYS_SPAWN: ret = sys_spawn(p, a0, a1); break;
    case SYS_KILL: ret = sys_kill(p, (int)a0); break;
    case SYS_WAIT: ret = proc_wait(p, (int)a0); break;
    case SYS_PROCINFO: ret = sys_procinfo(p, a0, a1); break;
    case SYS_CONSOLE:
        ret = console_mode;
        if (a0 == CONSOLE_SBI || a0 == CONSOLE_UART)
            console_set_mode((int)a0);
        else if ((int)a0 != -1)
            ret = E_INVAL;
        break;
    case SYS_POWEROFF:
        kprintf("minios: poweroff requested by pid %d (%s)\n", p->pid, p->name);
        sbi_shutdown(0);
    default: ret = E_INVAL;
    }
    if (p->state != P_ZOMBIE && p->state != P_FREE)   /* kill(own pid) ends it */
        r[10] = (uint32_t)ret;
}

/* ---- the C half of the trap vector (entry.S) ---- */
struct proc *trap_handler(struct proc *p)
{
    uint32_t cause = csr_read(scause);
    if (cause & SCAUSE_INTR) {
        handle_interrupt(cause & ~SCAUSE_INTR);
    } else if (cause == EXC_ECALL_U) {
        p->tf.sepc += 4;   /* return after the ECALL, not onto it */
        syscall(p);
    } else {
        kill_on_fault(p, cause, csr_read(stval));
    }
    return schedule();
}

/* A trap while the kernel itself ran: a kernel bug.  Say what and stop. */
void kernel_trap(void)
{
    panic("trap in the kernel: scause %u, sepc 0x%08x, stval 0x%08x",
          csr_read(scause), csr_read(sepc), csr_read(stval));
}

void panic(const char *f, ...)
{
    char buf[200];
    va_list ap;
    va_start(ap, f);
    vfmt(buf, sizeof buf, f, ap);
    va_end(ap);
    kprintf("\nminios: PANIC: %s\n", buf);
    sbi_shutdown(1);
}
