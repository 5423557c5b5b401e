/* shell - reads command lines and runs them.  The kernel's console is raw
 * (read() returns bytes as they arrive, nothing is echoed for us), so the
 * shell does its own line editing: echo, backspace, CR or LF as Enter. */
#include "ulib.h"

#define MAX_ARGS 4

/* ---- line input ---- */
static char inbuf[64];          /* bytes from read() not consumed yet */
static int in_len, in_pos;
static char echo[128];          /* echo waiting to be written */
static int echo_len;

static void echo_flush(void)
{
    if (echo_len)
        write(1, echo, (unsigned)echo_len);
    echo_len = 0;
}

static void echo_add(const char *s, int n)
{
    while (n--) {
        if (echo_len == (int)sizeof echo)
            echo_flush();
        echo[echo_len++] = *s++;
    }
}

/* Next input byte.  Echo is batched and written before we block, so typing
 * costs one write per read() rather than one per key. */
static int getch(void)
{
    if (in_pos == in_len) {
        echo_flush();
        int n = read(0, inbuf, sizeof inbuf);   /* sleeps until input arrives */
        if (n <= 0)
            return -1;
        in_len = n;
        in_pos = 0;
    }
    return (unsigned char)inbuf[in_pos++];
}

/* One line into buf; returns its length.  Enter is CR (a terminal), LF (a
 * pipe) or CR LF - the LF after a CR is swallowed. */
static int readline(char *buf, int size)
{
    static int last_cr;
    int n = 0;
    for (;;) {
        int c = getch();
        if (c < 0)
            continue;
        if (c == '\n' && last_cr) {
            last_cr = 0;
            continue;
        }
        last_cr = c == '\r';
        if (c == '\r' || c == '\n') {
            echo_add("\n", 1);
            echo_flush();
            buf[n] = 0;
            return n;
        }
        if (c == 0x7f || c == '\b') {           /* backspace (DEL or ^H) */
            if (n > 0) {
                n--;
                echo_add("\b \b", 3);           /* back, blank it, back */
            }
        } else if (c == 0x03) {                 /* ^C: drop the line */
            echo_add("^C\n", 3);
            echo_flush();
            buf[0] = 0;
            return 0;
        } else if (c == 0x15) {                 /* ^U: erase the line */
            while (n > 0) {
                n--;
                echo_add("\b \b", 3);
            }
        } else if (c >= ' ' && c < 0x7f && n < size - 1) {
            buf[n++] = (char)c;
            char ch = (char)c;
            echo_add(&ch, 1);
        }
    }
}

static int split(char *s, char **argv)
{
    int argc = 0;
    while (*s && argc < MAX_ARGS) {
        while (*s == ' ')
            *s++ = 0;
        if (!*s)
            break;
        argv[argc++] = s;
        while (*s && *s != ' ')
            s++;
    }
    while (*s == ' ')
        *s++ = 0;
    return argc;
}

static int parse_uint(const char *s, unsigned *v)
{
    unsigned n = 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        n = n * 10 + (unsigned)(*s - '0');
    }
    *v = n;
    return 0;
}

/* ---- commands ---- */
static const char *const state_names[] = {"free", "running", "ready", "sleeping", "blocked", "zombie"};

static void cmd_help(void)
{
    print("commands:\n"
          "  help                 this list\n"
          "  ps                   the process table\n"
          "  bench [LINES]        print LINES (200) lines and time it\n"
          "  console [sbi|uart]   show or switch the console back end\n"
          "  evil [KIND]          start a misbehaving process; KIND is one of\n"
          "                       mem null exec priv sret mmio hog (default mem)\n"
          "  run PROGRAM          start counter, spinner, shell or evil in the background\n"
          "  kill PID             end a process\n"
          "  uptime               time since boot\n"
          "  poweroff             shut the machine down\n");
}

static void cmd_ps(void)
{
    struct procinfo pi;
    print("PID NAME      STATE         CPU(ms) TICKS SYSCALLS PAGES PPID\n");
    for (int slot = 0; procinfo(slot, &pi) >= 0; slot++) {
        if (pi.state == P_FREE)
            continue;
        char state[24];
        if (pi.state == P_BLOCKED)
            fmt(state, sizeof state, "blocked:%s", pi.wait);
        else if (pi.state == P_ZOMBIE)
            fmt(state, sizeof state, "zombie(%d)", pi.exit_code);
        else
            fmt(state, sizeof state, "%s", state_names[pi.state]);
        printf("%3d %-9s %-13s %7u %5u %8u %5u %4d\n", pi.pid, pi.name, state, pi.cpu_us / 1000,
               pi.ticks, pi.syscalls, pi.pages, pi.parent);
    }
}

static void cmd_bench(int argc, char **argv)
{
    unsigned lines = 200;
    if (argc > 1 && (parse_uint(argv[1], &lines) < 0 || lines == 0 || lines > 100000)) {
        print("usage: bench [LINES]\n");
        return;
    }
    const char *via = console(-1) == CONSOLE_UART ? "uart" : "sbi";
    char line[96];
    unsigned bytes = 0;
    /* Two clocks, both from mtime: the wall clock runs on while other
     * processes (the spinner...) take their turns; our CPU time counts only
     * our own slices - the kernel's work for our write() calls included, and
     * with it every VM exit that work caused. */
    uint64_t t0 = uptime_us(), c0 = cputime_us();
    for (unsigned i = 1; i <= lines; i++) {
        int n = fmt(line, sizeof line, "bench %4u/%u: the quick brown fox jumps over the lazy dog\n",
                    i, lines);
        bytes += (unsigned)write(1, line, (unsigned)n);
    }
    uint64_t cpu = cputime_us() - c0, wall = uptime_us() - t0;
    printf("printed %u bytes in %llu us via %s (CPU time of the shell; wall clock %llu us)\n",
           bytes, cpu, via, wall);
}

static void cmd_console(int argc, char **argv)
{
    int mode = console(-1);
    if (argc == 1) {
        printf("console: %s\n", mode == CONSOLE_UART ? "uart (fully virtualized: MMIO exits)"
                                                     : "sbi (paravirtualized: DBCN hypercalls)");
        return;
    }
    int want;
    if (strcmp(argv[1], "sbi") == 0)
        want = CONSOLE_SBI;
    else if (strcmp(argv[1], "uart") == 0)
        want = CONSOLE_UART;
    else {
        print("usage: console [sbi|uart]\n");
        return;
    }
    console(want);
    printf("console: %s -> %s\n", mode == CONSOLE_UART ? "uart" : "sbi", argv[1]);
}

static const char *const evil_kinds[] = {"mem", "null", "exec", "priv", "sret", "mmio", "hog"};
#define N_EVIL (int)(sizeof evil_kinds / sizeof evil_kinds[0])

static void cmd_evil(int argc, char **argv)
{
    int kind = 0;
    if (argc > 1) {
        for (kind = 0; kind < N_EVIL && strcmp(argv[1], evil_kinds[kind]) != 0; kind++)
            ;
        if (kind == N_EVIL) {
            print("usage: evil [mem|null|exec|priv|sret|mmio|hog]\n");
            return;
        }
    }
    int pid = spawn("evil", (unsigned)kind);
    if (pid < 0) {
        printf("evil: cannot start (error %d)\n", pid);
        return;
    }
    if (kind == N_EVIL - 1) {   /* hog: let it spin in the background */
        printf("evil is pid %d and never stops on its own: watch `ps`, then `kill %d`\n", pid, pid);
        return;
    }
    int code = wait(pid);
    printf("evil (pid %d) ended with exit code %d; everybody else is fine\n", pid, code);
}

static void cmd_run(int argc, char **argv)
{
    if (argc < 2) {
        print("usage: run counter|spinner|shell|evil\n");
        return;
    }
    int pid = spawn(argv[1], 0);
    if (pid < 0)
        printf("run: cannot start %s (error %d)\n", argv[1], pid);
    else
        printf("started %s as pid %d\n", argv[1], pid);
}

static void cmd_kill(int argc, char **argv)
{
    unsigned pid;
    if (argc < 2 || parse_uint(argv[1], &pid) < 0) {
        print("usage: kill PID\n");
        return;
    }
    if (kill((int)pid) < 0)
        printf("kill: no process %u\n", pid);
}

static void cmd_uptime(void)
{
    uint64_t us = uptime_us();
    uint32_t ms = (uint32_t)(us / 1000);
    printf("up %u.%03u s\n", ms / 1000, ms % 1000);
}

int main(void)
{
    char line[128], *argv[MAX_ARGS];
    printf("minios shell (pid %d). Type `help`.\n", getpid());
    for (;;) {
        print("minios$ ");
        readline(line, sizeof line);
        int argc = split(line, argv);
        if (argc == 0)
            continue;
        const char *c = argv[0];
        if (strcmp(c, "help") == 0)
            cmd_help();
        else if (strcmp(c, "ps") == 0)
            cmd_ps();
        else if (strcmp(c, "bench") == 0)
            cmd_bench(argc, argv);
        else if (strcmp(c, "console") == 0)
            cmd_console(argc, argv);
        else if (strcmp(c, "evil") == 0 || strcmp(c, "crash") == 0)
            cmd_evil(argc, argv);
        else if (strcmp(c, "run") == 0)
            cmd_run(argc, argv);
        else if (strcmp(c, "kill") == 0)
            cmd_kill(argc, argv);
        else if (strcmp(c, "uptime") == 0)
            cmd_uptime();
        else if (strcmp(c, "poweroff") == 0)
            poweroff();
        else
            printf("%s: unknown command (try `help`)\n", c);
    }
}
