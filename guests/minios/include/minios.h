/* minios.h - the contract between the minios kernel and its user programs:
 * system call numbers and the one structure that crosses the boundary.
 * Both sides include this file, so they can never disagree. */
#ifndef MINIOS_H
#define MINIOS_H

/* System call numbers, passed in a7 with ECALL from U-mode.  Arguments go in
 * a0..a2, the result comes back in a0 (a1 too for 64-bit values).  A negative
 * result is an error. */
#define SYS_EXIT      0   /* exit(code)                       never returns          */
#define SYS_WRITE     1   /* write(fd=1, buf, len)            -> bytes written        */
#define SYS_READ      2   /* read(fd=0, buf, len)             -> bytes read (blocks)  */
#define SYS_YIELD     3   /* yield()                          -> 0                    */
#define SYS_SLEEP     4   /* sleep(ms)                        -> 0                    */
#define SYS_GETPID    5   /* getpid()                         -> pid                  */
#define SYS_UPTIME    6   /* uptime()                         -> microseconds (a0:a1) */
#define SYS_SPAWN     7   /* spawn(name, arg)                 -> pid of the child     */
#define SYS_KILL      8   /* kill(pid)                        -> 0                    */
#define SYS_WAIT      9   /* wait(pid)                        -> child's exit code    */
#define SYS_PROCINFO 10   /* procinfo(slot, struct procinfo*) -> 1 used, 0 free slot  */
#define SYS_CONSOLE  11   /* console(mode or -1 to ask)       -> mode before the call */
#define SYS_POWEROFF 12   /* poweroff()                       never returns           */
#define SYS_CPUTIME  13   /* cputime()                        -> my CPU time, us (a0:a1) */
#define NSYSCALLS    14

/* Error results. */
#define E_INVAL  (-1)   /* bad argument                               */
#define E_FAULT  (-2)   /* a pointer to memory the caller does not own */
#define E_NOPROC (-3)   /* no such process / no such program          */
#define E_NOMEM  (-4)   /* out of process slots or pages              */

/* Console back ends (SYS_CONSOLE). */
#define CONSOLE_SBI  0  /* paravirtualized: SBI DBCN hypercalls           */
#define CONSOLE_UART 1  /* fully virtualized: the ns16550a's own registers */

/* Process states, as SYS_PROCINFO reports them. */
enum proc_state { P_FREE, P_RUNNING, P_READY, P_SLEEPING, P_BLOCKED, P_ZOMBIE };

#define PROC_NAME_LEN 12

/* What `ps` shows about one process. */
struct procinfo {
    int pid;
    int state;                  /* enum proc_state                          */
    int parent;                 /* pid of the parent, 0 for the kernel     */
    int exit_code;              /* valid when state == P_ZOMBIE            */
    unsigned ticks;             /* timer ticks (10 ms) that found it running */
    unsigned cpu_us;            /* CPU time, measured at every switch (us)  */
    unsigned syscalls;          /* system calls it made                    */
    unsigned pages;             /* physical pages it owns (tables included) */
    char name[PROC_NAME_LEN];   /* NUL-terminated                          */
    char wait[12];              /* why it is blocked: "read", "wait", ...  */
};

/* Where user programs live in every address space (see README.md). */
#define USER_BASE      0x00010000u   /* code, data and bss                 */
#define USER_STACK_TOP 0x00800000u   /* the stack grows down from here     */
#define USER_STACK_PAGES 4

#endif
