/*
 * init.c - the whole userspace of minivisor's Linux guest: a static /init.
 *
 * No libc: every service comes from a raw Linux system call (see sys.h).  The
 * program mounts /proc, /sys and /dev, prints a banner and then runs a tiny
 * shell on the console until told to power off or reboot.
 *
 * The console is in canonical mode, so the kernel's tty line discipline does
 * the line editing (backspace, Ctrl-U, Ctrl-D at the start of a line) and
 * read() returns one whole line.  Ctrl-C makes the line discipline send SIGINT
 * to the foreground process group; init catches it and starts a fresh prompt
 * (an uncaught signal could not kill PID 1 anyway, but the line would stay).
 *
 * Built by build.sh with:
 *   riscv64-linux-gnu-gcc -march=rv32imac_zicsr -mabi=ilp32 -nostdlib -static
 *                         -ffreestanding -Os
 */
#include "sys.h"

/* ---- small helpers: strings and output ---------------------------------- */

static unsigned long str_len(const char *s)
{
	unsigned long n = 0;
	while (s[n])
		n++;
	return n;
}

static int str_eq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

/* Write all of buf to fd, retrying after short writes and signals. */
static void write_all(int fd, const char *buf, unsigned long len)
{
	while (len) {
		long n = sys_write(fd, buf, len);
		if (n == -EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= (unsigned long)n;
	}
}

static void put(const char *s)
{
	write_all(1, s, str_len(s));
}

static void put_err(const char *s)
{
	write_all(2, s, str_len(s));
}

/* Unsigned decimal, right-aligned in `width` columns (0: no padding). */
static void put_dec(unsigned long v, int width)
{
	char buf[12];
	int i = sizeof buf;
	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (i > 0 && (int)sizeof buf - i < width)
		buf[--i] = ' ';
	write_all(1, buf + i, sizeof buf - i);
}

/* "cmd: what: error N" for a failed system call (no strerror without libc). */
static void report(const char *cmd, const char *what, long err)
{
	put_err(cmd);
	put_err(": ");
	put_err(what);
	switch (err) {
	case -ENOENT:  put_err(": No such file or directory\n"); return;
	case -ENOTDIR: put_err(": Not a directory\n"); return;
	case -EISDIR:  put_err(": Is a directory\n"); return;
	case -EACCES:  put_err(": Permission denied\n"); return;
	case -EINVAL:  put_err(": Invalid argument\n"); return;
	}
	put_err(": error ");
	char buf[12];
	int i = sizeof buf;
	unsigned long v = (unsigned long)-err;
	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	write_all(2, buf + i, sizeof buf - i);
	put_err("\n");
}

/* ---- Ctrl-C ---------------------------------------------------------------- */

/* Set by the SIGINT handler (Ctrl-C); cleared before each command.  A handler
 * without SA_RESTART also makes a blocked read() return -EINTR. */
static volatile int interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* ---- the commands -------------------------------------------------------- */

static void cmd_help(void)
{
	put("commands:\n"
	    "  echo [WORD...]   print the words\n"
	    "  uname [-a]       kernel name (-a: everything uname(2) says)\n"
	    "  cat FILE...      print files, e.g. cat /proc/cpuinfo\n"
	    "  ls [DIR...]      list a directory (default: /)\n"
	    "  uptime           time since boot and load averages\n"
	    "  free             memory use, in KiB\n"
	    "  dmesg            the kernel log\n"
	    "  poweroff         switch the machine off\n"
	    "  reboot           restart the machine\n"
	    "  panic            end init, which makes the kernel panic: the hypervisor\n"
	    "                   hears of it through the pvpanic device and halts the guest\n"
	    "  help             this list\n"
	    "try: cat /proc/interrupts, cat /proc/meminfo, ls /sys/devices\n");
}

static void cmd_echo(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (i > 1)
			put(" ");
		put(argv[i]);
	}
	put("\n");
}

static void cmd_uname(int argc, char **argv)
{
	struct new_utsname u;
	long r = sys_uname(&u);
	if (r < 0) {
		report("uname", "uname", r);
		return;
	}
	if (argc > 1 && str_eq(argv[1], "-a")) {
		/* the order of `uname -a` in coreutils and busybox */
		put(u.sysname); put(" ");
		put(u.nodename); put(" ");
		put(u.release); put(" ");
		put(u.version); put(" ");
		put(u.machine); put("\n");
	} else if (argc > 1) {
		put_err("uname: only -a is supported\n");
	} else {
		put(u.sysname);
		put("\n");
	}
}

static char file_buf[4096];

static void cmd_cat(int argc, char **argv)
{
	if (argc < 2) {
		put_err("usage: cat FILE...\n");
		return;
	}
	for (int i = 1; i < argc; i++) {
		long fd = sys_openat(AT_FDCWD, argv[i], O_RDONLY, 0);
		if (fd < 0) {
			report("cat", argv[i], fd);
			continue;
		}
		for (;;) {
			if (interrupted) /* Ctrl-C, e.g. during cat /dev/zero */
				break;
			long n = sys_read((int)fd, file_buf, sizeof file_buf);
			if (n == -EINTR)
				continue;
			if (n < 0)
				report("cat", argv[i], n);
			if (n <= 0)
				break;
			write_all(1, file_buf, (unsigned long)n);
		}
		sys_close((int)fd);
	}
}

/* One directory: names in the order the file system returns them, directories
 * marked with a trailing '/', one per line. */
static void list_dir(const char *path)
{
	long fd = sys_openat(AT_FDCWD, path, O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0) {
		report("ls", path, fd);
		return;
	}
	for (;;) {
		long n = sys_getdents64((int)fd, file_buf, sizeof file_buf);
		if (n == -EINTR)
			continue;
		if (n < 0)
			report("ls", path, n);
		if (n <= 0)
			break;
		for (long off = 0; off < n;) {
			struct linux_dirent64 *d = (struct linux_dirent64 *)(file_buf + off);
			off += d->d_reclen;
			if (str_eq(d->d_name, ".") || str_eq(d->d_name, ".."))
				continue;
			put(d->d_name);
			if (d->d_type == DT_DIR)
				put("/");
			else if (d->d_type == DT_LNK)
				put("@");
			put("\n");
		}
	}
	sys_close((int)fd);
}

static void cmd_ls(int argc, char **argv)
{
	if (argc < 2) {
		list_dir("/");
		return;
	}
	for (int i = 1; i < argc; i++) {
		if (argc > 2) {
			put(argv[i]);
			put(":\n");
		}
		list_dir(argv[i]);
	}
}

/* A load average (fixed point, 16 fraction bits) as "N.NN". */
static void put_load(unsigned long load)
{
	unsigned long hundredths = (load * 100 + (1UL << 15)) >> 16;
	put_dec(hundredths / 100, 0);
	put(".");
	put_dec(hundredths / 10 % 10, 0);
	put_dec(hundredths % 10, 0);
}

static void cmd_uptime(void)
{
	struct kernel_timespec ts;
	struct sysinfo si;
	long r = sys_clock_gettime64(CLOCK_BOOTTIME, &ts);
	if (r < 0) {
		report("uptime", "clock_gettime64", r);
		return;
	}
	r = sys_sysinfo(&si);
	if (r < 0) {
		report("uptime", "sysinfo", r);
		return;
	}
	/* 32-bit arithmetic only: no libgcc for 64-bit division in this build */
	unsigned long sec = (unsigned long)ts.tv_sec;
	unsigned long ms = (unsigned long)ts.tv_nsec / 1000000;
	put("up ");
	put_dec(sec, 0);
	put(".");
	put_dec(ms / 100, 0);
	put_dec(ms / 10 % 10, 0);
	put_dec(ms % 10, 0);
	put(" s, load average: ");
	put_load(si.loads[0]);
	put(", ");
	put_load(si.loads[1]);
	put(", ");
	put_load(si.loads[2]);
	put("\n");
}

static void cmd_free(void)
{
	struct sysinfo si;
	long r = sys_sysinfo(&si);
	if (r < 0) {
		report("free", "sysinfo", r);
		return;
	}
	/* sizes are in units of mem_unit bytes (1 on a small machine) */
	unsigned long unit = si.mem_unit ? si.mem_unit : 1;
	unsigned long kib = unit >= 1024 ? unit / 1024 : 1, div = unit >= 1024 ? 1 : 1024 / unit;
#define KIB(x) ((x) * kib / div)
	put("          total       used       free     shared    buffers\n");
	put("Mem: ");
	put_dec(KIB(si.totalram), 10);
	put(" ");
	put_dec(KIB(si.totalram - si.freeram), 10);
	put(" ");
	put_dec(KIB(si.freeram), 10);
	put(" ");
	put_dec(KIB(si.sharedram), 10);
	put(" ");
	put_dec(KIB(si.bufferram), 10);
	put("\n");
#undef KIB
}

static char log_buf[65536];

static void cmd_dmesg(void)
{
	long n = sys_syslog(SYSLOG_ACTION_READ_ALL, log_buf, sizeof log_buf);
	if (n < 0) {
		report("dmesg", "syslog", n);
		return;
	}
	write_all(1, log_buf, (unsigned long)n);
}

static void cmd_reboot(unsigned int how, const char *name)
{
	long r = sys_reboot(LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, how, 0);
	/* only returns on failure */
	report(name, "reboot", r);
}

/* ---- the shell ----------------------------------------------------------- */

#define MAX_ARGS 16

/* Split line (modified in place) at blanks into argv; returns argc. */
static int split(char *line, char **argv)
{
	int argc = 0;
	for (char *p = line; *p;) {
		while (*p == ' ' || *p == '\t')
			*p++ = '\0';
		if (!*p)
			break;
		if (argc == MAX_ARGS)
			break;
		argv[argc++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
	}
	argv[argc] = 0;
	return argc;
}

static void run(int argc, char **argv)
{
	const char *c = argv[0];
	if (str_eq(c, "help"))
		cmd_help();
	else if (str_eq(c, "echo"))
		cmd_echo(argc, argv);
	else if (str_eq(c, "uname"))
		cmd_uname(argc, argv);
	else if (str_eq(c, "cat"))
		cmd_cat(argc, argv);
	else if (str_eq(c, "ls"))
		cmd_ls(argc, argv);
	else if (str_eq(c, "uptime"))
		cmd_uptime();
	else if (str_eq(c, "free"))
		cmd_free();
	else if (str_eq(c, "dmesg"))
		cmd_dmesg();
	else if (str_eq(c, "poweroff"))
		cmd_reboot(LINUX_REBOOT_CMD_POWER_OFF, "poweroff");
	else if (str_eq(c, "reboot"))
		cmd_reboot(LINUX_REBOOT_CMD_RESTART, "reboot");
	else if (str_eq(c, "panic")) {
		/* init may not exit: the kernel answers with "Attempted to kill init!". */
		put("init: exiting on purpose\n");
		SC(NR_exit, 1, 0, 0, 0, 0);
	}
	else {
		put_err("sh: ");
		put_err(c);
		put_err(": command not found\n");
	}
}

/* Become a session leader and take the serial port as controlling terminal, so
 * that Ctrl-C sends SIGINT to us.  The kernel opened /dev/console for fds 0-2,
 * and /dev/console never becomes a controlling terminal. */
static void take_console(void)
{
	sys_setsid();
	long fd = sys_openat(AT_FDCWD, "/dev/ttyS0", O_RDWR, 0);
	if (fd < 0)
		return; /* keep /dev/console: everything works except Ctrl-C */
	for (int i = 0; i < 3; i++)
		if (fd != i)
			sys_dup3((int)fd, i, 0);
	if (fd > 2)
		sys_close((int)fd);
}

static void mount_fs(const char *type, const char *dir)
{
	sys_mkdirat(AT_FDCWD, dir, 0755); /* usually already in the initramfs */
	long r = sys_mount(type, dir, type, 0, 0);
	if (r < 0)
		report("init: mount", dir, r);
}

static char line[512];

void main(void)
{
	mount_fs("proc", "/proc");
	mount_fs("sysfs", "/sys");
	mount_fs("devtmpfs", "/dev");
	take_console();

	struct kernel_sigaction sa = { .handler = on_sigint, .flags = 0, .mask = 0 };
	sys_rt_sigaction(SIGINT, &sa, 0, sizeof sa.mask);

	struct new_utsname u;
	put("\nminivisor Linux");
	if (sys_uname(&u) == 0) {
		put(" ");
		put(u.release);
		put(" (");
		put(u.machine);
		put(")");
	}
	put(" \xe2\x80\x94 type 'help'\n");

	for (;;) {
		interrupted = 0;
		put("/ # ");
		long n = sys_read(0, line, sizeof line - 1);
		if (n == -EINTR) {
			/* Ctrl-C: the line discipline dropped the line and echoed ^C */
			put("\n");
			continue;
		}
		if (n <= 0) {
			/* Ctrl-D on an empty line (EOF) or an error: just prompt again */
			put("\n");
			if (n < 0)
				sys_nanosleep_100ms();
			continue;
		}
		line[n] = '\0';
		if (line[n - 1] == '\n')
			line[n - 1] = '\0';
		char *argv[MAX_ARGS + 1];
		int argc = split(line, argv);
		if (argc)
			run(argc, argv);
	}
}
