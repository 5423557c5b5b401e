/* proc.c - processes, their address spaces, and the round-robin scheduler.
 *
 * A process is a slot in procs[]: saved registers, a page table, and a
 * state.  minios has a single kernel stack and never blocks *inside* the
 * kernel: a system call that must wait (read, sleep, wait) just records what
 * it waits for and changes the process's state; the event that ends the wait
 * (input, the timer, a child's exit) finishes the call on its behalf by
 * writing its a0 and making it READY.  That keeps the kernel a plain "handle
 * one trap, pick a process, return" loop. */
#include "kernel.h"

struct proc procs[NPROC];
struct proc *current;
uint64_t ticks;
int need_resched;
static int next_pid = 1;

/* ---- the programs built into the kernel image ---- */
extern const uint8_t user_counter_start[], user_counter_end[];
extern const uint8_t user_spinner_start[], user_spinner_end[];
extern const uint8_t user_shell_start[], user_shell_end[];
extern const uint8_t user_evil_start[], user_evil_end[];

const struct program programs[] = {
    {"counter", user_counter_start, user_counter_end},
    {"spinner", user_spinner_start, user_spinner_end},
    {"shell", user_shell_start, user_shell_end},
    {"evil", user_evil_start, user_evil_end},
    {0, 0, 0},
};

/* A user image starts with this header (user/user.ld writes it): a tiny
 * executable format.  All addresses are user virtual addresses. */
struct uheader {
    uint32_t magic;      /* "MNOS" */
    uint32_t entry;      /* _start */
    uint32_t text_end;   /* [USER_BASE, text_end): code and constants, R-X */
    uint32_t data_end;   /* [text_end, data_end): initialised data, RW- */
    uint32_t bss_end;    /* [data_end, bss_end): zeroed data, RW- */
};
#define UHEADER_MAGIC 0x534f4e4du

const char *state_name(enum proc_state s)
{
    static const char *const names[] = {"free", "running", "ready", "sleeping", "blocked", "zombie"};
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "?";
}

struct proc *proc_find(int pid)
{
    for (int i = 0; i < NPROC; i++)
        if (procs[i].state != P_FREE && procs[i].pid == pid)
            return &procs[i];
    return 0;
}

int proc_count_alive(void)
{
    int n = 0;
    for (int i = 0; i < NPROC; i++)
        if (procs[i].state != P_FREE && procs[i].state != P_ZOMBIE)
            n++;
    return n;
}

/* A free slot; when there is none, recycle the oldest zombie (one nobody
 * waited for) - its memory is already gone, only its table entry remains. */
static struct proc *slot_alloc(void)
{
    struct proc *z = 0;
    for (int i = 0; i < NPROC; i++) {
        if (procs[i].state == P_FREE)
            return &procs[i];
        if (procs[i].state == P_ZOMBIE && (!z || procs[i].pid < z->pid))
            z = &procs[i];
    }
    return z;
}

/* Build an address space from a program image and make it READY. */
int proc_spawn(const char *name, uint32_t arg, int parent)
{
    const struct program *prog = programs;
    while (prog->name && strcmp(prog->name, name) != 0)
        prog++;
    if (!prog->name)
        return E_NOPROC;

    const struct uheader *h = (const struct uheader *)prog->start;
    uint32_t size = (uint32_t)(prog->end - prog->start);
    if (size < sizeof *h || h->magic != UHEADER_MAGIC || h->entry < USER_BASE ||
        h->entry >= h->text_end || h->text_end > h->data_end || h->data_end > h->bss_end ||
        size > h->data_end - USER_BASE ||
        h->bss_end > USER_STACK_TOP - USER_STACK_PAGES * PAGE_SIZE)
        panic("program %s: bad image header", name);

    struct proc *p = slot_alloc();
    if (!p)
        return E_NOMEM;
    uint32_t free_before = pages_free();
    uint32_t root = uvm_create();
    if (!root)
        return E_NOMEM;

    /* Code and data: fresh pages, filled from the image (the tail of the
     * last one, and the bss, stay zero).  Code is not writable, data is not
     * executable. */
    for (uint32_t va = USER_BASE; va < h->bss_end; va += PAGE_SIZE) {
        uint32_t pa = page_alloc();
        if (!pa)
            goto nomem;
        uint32_t off = va - USER_BASE;
        if (off < size)
            memcpy((void *)(uintptr_t)pa, prog->start + off, size - off < PAGE_SIZE ? size - off : PAGE_SIZE);
        uint32_t perm = va < h->text_end ? PTE_R | PTE_X : PTE_R | PTE_W;
        if (uvm_map(root, va, pa, perm) < 0) {
            page_free(pa);
            goto nomem;
        }
    }
    /* The stack, just below USER_STACK_TOP.  Nothing is mapped under it: a
     * stack overflow is a page fault, not silent corruption. */
    for (uint32_t i = 1; i <= USER_STACK_PAGES; i++) {
        uint32_t pa = page_alloc();
        if (!pa)
            goto nomem;
        if (uvm_map(root, USER_STACK_TOP - i * PAGE_SIZE, pa, PTE_R | PTE_W) < 0) {
            page_free(pa);
            goto nomem;
        }
    }

    memset(p, 0, sizeof *p);
    p->pid = next_pid++;
    p->parent = parent;
    strncpy0(p->name, name, sizeof p->name);
    p->root = root;
    p->pages = free_before - pages_free();
    p->tf.sepc = h->entry;             /* sret will jump there, in U-mode */
    p->tf.regs[2] = USER_STACK_TOP;    /* sp */
    p->tf.regs[10] = arg;              /* a0: main's argument */
    p->state = P_READY;
    return p->pid;

nomem:
    uvm_destroy(root);
    return E_NOMEM;
}

static void reap(struct proc *p)
{
    p->state = P_FREE;
}

/* The end of a process, voluntary or not: its memory goes back to the pool
 * at once; its slot stays (P_ZOMBIE) until the parent collects the exit code. */
void proc_exit(struct proc *p, int code)
{
    uvm_destroy(p->root);
    p->root = 0;
    p->pages = 0;
    p->state = P_ZOMBIE;
    p->exit_code = code;
    if (p == current)
        need_resched = 1;
    for (int i = 0; i < NPROC; i++)   /* orphans now belong to the kernel */
        if (procs[i].state != P_FREE && procs[i].parent == p->pid)
            procs[i].parent = 0;
    struct proc *parent = proc_find(p->parent);
    if (parent && parent->state == P_BLOCKED && parent->wait_pid == p->pid &&
        strcmp(parent->wait, "wait") == 0) {
        parent->tf.regs[10] = (uint32_t)code;   /* wait() returns the code */
        parent->state = P_READY;
        reap(p);
    }
}

int proc_wait(struct proc *p, int pid)
{
    struct proc *c = proc_find(pid);
    if (!c || c->parent != p->pid)
        return E_NOPROC;
    if (c->state == P_ZOMBIE) {
        int code = c->exit_code;
        reap(c);
        return code;
    }
    p->state = P_BLOCKED;
    p->wait = "wait";
    p->wait_pid = pid;
    need_resched = 1;
    return 0;   /* overwritten by proc_exit when the child ends */
}

void proc_sleep(struct proc *p, uint32_t ms)
{
    p->wake_at = rdtime64() + (uint64_t)ms * (MTIME_HZ / 1000);
    p->state = P_SLEEPING;
    need_resched = 1;
}

void proc_wake_sleepers(uint64_t now)
{
    for (int i = 0; i < NPROC; i++)
        if (procs[i].state == P_SLEEPING && procs[i].wake_at <= now)
            procs[i].state = P_READY;
}

/* ---- console input ---- */

/* Move buffered input into r's read() buffer; returns read()'s result. */
static int take_input(struct proc *r)
{
    char tmp[64];
    uint32_t n = 0;
    int c;
    while (n < r->read_len && n < sizeof tmp && (c = console_getc()) >= 0)
        tmp[n++] = (char)c;
    console_rx_resume();
    if (copy_to_user(r->root, r->read_va, tmp, n) < 0)
        return E_FAULT;
    return (int)n;
}

static struct proc *blocked_reader(void)
{
    for (int i = 0; i < NPROC; i++)
        if (procs[i].state == P_BLOCKED && strcmp(procs[i].wait, "read") == 0)
            return &procs[i];
    return 0;
}

int proc_reader_waiting(void) { return blocked_reader() != 0; }

/* read(): return at once when input is buffered, else block. */
void proc_block_read(struct proc *p, uint32_t va, uint32_t len)
{
    p->read_va = va;
    p->read_len = len;
    if (!console_buffered())
        console_poll();     /* SBI mode: maybe the hypervisor has some */
    if (console_buffered() && !blocked_reader()) {
        p->tf.regs[10] = (uint32_t)take_input(p);
        return;
    }
    p->state = P_BLOCKED;
    p->wait = "read";
    need_resched = 1;
}

/* Input arrived (timer poll or UART interrupt): complete a waiting read(). */
void proc_deliver_input(void)
{
    struct proc *r;
    while (console_buffered() && (r = blocked_reader())) {
        r->tf.regs[10] = (uint32_t)take_input(r);
        r->state = P_READY;
    }
}

/* CPU time so far, the running slice included. */
uint64_t proc_cpu_mtime(struct proc *p)
{
    return p->cpu_mtime + (p->on_cpu ? rdtime64() - p->run_start : 0);
}

/* ---- the scheduler ---- */

/* Nothing to run: sleep the hart until an interrupt is pending.  WFI wakes
 * on any interrupt enabled in sie even though sstatus.SIE is 0, so no trap
 * is taken: we look at sip ourselves.  Under minivisor, WFI is a VM exit and
 * the host thread really sleeps - an idle guest costs no host CPU. */
static void idle(void)
{
    wfi();
    uint32_t pending = csr_read(sip) & csr_read(sie);
    if (pending & SIE_STIE)
        handle_interrupt(IRQ_S_TIMER);
    if (pending & SIE_SEIE)
        handle_interrupt(IRQ_S_EXT);
}

/* Pick the process to run next, round-robin: the first READY one after the
 * one that ran last.  Loads its page table. */
struct proc *schedule(void)
{
    if (current && current->state == P_RUNNING && !need_resched)
        return current;
    need_resched = 0;
    if (current && current->on_cpu) {   /* charge the time slice that just ended */
        current->cpu_mtime += rdtime64() - current->run_start;
        current->on_cpu = 0;
    }
    if (current && current->state == P_RUNNING)
        current->state = P_READY;
    for (;;) {
        int start = current ? (int)(current - procs) + 1 : 0;
        for (int i = 0; i < NPROC; i++) {
            struct proc *p = &procs[(start + i) % NPROC];
            if (p->state == P_READY) {
                p->state = P_RUNNING;
                p->run_start = rdtime64();
                p->on_cpu = 1;
                current = p;
                vm_switch(p->root);
                return p;
            }
        }
        if (proc_count_alive() == 0) {
            kprintf("minios: no processes left, powering off\n");
            sbi_shutdown(0);
        }
        idle();
    }
}
