/*
 * sys.h - raw Linux system calls for RV32 (ilp32), without libc.
 *
 * The RISC-V system call ABI: number in a7, arguments in a0..a5, `ecall`,
 * result in a0 (a negative errno on failure).  RV32 Linux uses the generic
 * numbers of include/uapi/asm-generic/unistd.h and only the 64-bit time
 * variants (so clock_gettime64, not clock_gettime), and has no open(): use
 * openat(AT_FDCWD, ...).
 */
#ifndef INIT_SYS_H
#define INIT_SYS_H

/* ---- system call numbers (asm-generic/unistd.h) ---- */
#define NR_dup3               24
#define NR_mkdirat            34
#define NR_mount              40
#define NR_openat             56
#define NR_close              57
#define NR_getdents64         61
#define NR_read               63
#define NR_write              64
#define NR_exit               93
#define NR_syslog            116
#define NR_rt_sigaction      134
#define NR_reboot            142
#define NR_setsid            157
#define NR_uname             160
#define NR_sysinfo           179
#define NR_clock_gettime64   403
#define NR_clock_nanosleep64 407

/* ---- constants ---- */
#define AT_FDCWD     (-100)
#define O_RDONLY     0
#define O_RDWR       2
#define O_DIRECTORY  0200000
#define DT_DIR       4
#define DT_LNK       10
#define CLOCK_MONOTONIC 1
#define CLOCK_BOOTTIME  7
#define SIGINT       2
#define SYSLOG_ACTION_READ_ALL 3

#define EINTR    4
#define ENOENT   2
#define EACCES   13
#define ENOTDIR  20
#define EISDIR   21
#define EINVAL   22

#define LINUX_REBOOT_MAGIC1         0xfee1dead
#define LINUX_REBOOT_MAGIC2         672274793
#define LINUX_REBOOT_CMD_RESTART    0x01234567
#define LINUX_REBOOT_CMD_POWER_OFF  0x4321fedc

/* ---- structures, as the kernel lays them out on RV32 ---- */
struct new_utsname {
	char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65];
};

struct linux_dirent64 {
	unsigned long long d_ino;
	long long d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

struct kernel_timespec {
	long long tv_sec;
	long long tv_nsec;
};

struct sysinfo {
	long uptime;             /* seconds since boot */
	unsigned long loads[3];  /* 1, 5, 15 minute load averages, << 16 */
	unsigned long totalram, freeram, sharedram, bufferram;
	unsigned long totalswap, freeswap;
	unsigned short procs, pad;
	unsigned long totalhigh, freehigh;
	unsigned int mem_unit;   /* the size of the units above, in bytes */
	char reserved[8];
};

/* No SA_RESTORER on RISC-V: the kernel returns from handlers via the vDSO. */
struct kernel_sigaction {
	void (*handler)(int);
	unsigned long flags;
	unsigned long long mask;
};

/* ---- the ecall itself ---- */
static inline long syscall6(long n, long a, long b, long c, long d, long e, long f)
{
	register long a7 __asm__("a7") = n;
	register long a0 __asm__("a0") = a;
	register long a1 __asm__("a1") = b;
	register long a2 __asm__("a2") = c;
	register long a3 __asm__("a3") = d;
	register long a4 __asm__("a4") = e;
	register long a5 __asm__("a5") = f;
	__asm__ volatile("ecall"
			 : "+r"(a0)
			 : "r"(a7), "r"(a1), "r"(a2), "r"(a3), "r"(a4), "r"(a5)
			 : "memory");
	return a0;
}
#define SC(n, a, b, c, d, e) syscall6(n, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)

static inline long sys_read(int fd, void *buf, unsigned long len) { return SC(NR_read, fd, buf, len, 0, 0); }
static inline long sys_write(int fd, const void *buf, unsigned long len) { return SC(NR_write, fd, buf, len, 0, 0); }
static inline long sys_openat(int dirfd, const char *path, int flags, int mode) { return SC(NR_openat, dirfd, path, flags, mode, 0); }
static inline long sys_close(int fd) { return SC(NR_close, fd, 0, 0, 0, 0); }
static inline long sys_dup3(int from, int to, int flags) { return SC(NR_dup3, from, to, flags, 0, 0); }
static inline long sys_mkdirat(int dirfd, const char *path, int mode) { return SC(NR_mkdirat, dirfd, path, mode, 0, 0); }
static inline long sys_getdents64(int fd, void *buf, unsigned long len) { return SC(NR_getdents64, fd, buf, len, 0, 0); }
static inline long sys_mount(const char *src, const char *dir, const char *type, unsigned long flags, const void *data) { return SC(NR_mount, src, dir, type, flags, data); }
static inline long sys_uname(struct new_utsname *u) { return SC(NR_uname, u, 0, 0, 0, 0); }
static inline long sys_sysinfo(struct sysinfo *si) { return SC(NR_sysinfo, si, 0, 0, 0, 0); }
static inline long sys_syslog(int type, char *buf, int len) { return SC(NR_syslog, type, buf, len, 0, 0); }
static inline long sys_setsid(void) { return SC(NR_setsid, 0, 0, 0, 0, 0); }
static inline long sys_clock_gettime64(int clock, struct kernel_timespec *ts) { return SC(NR_clock_gettime64, clock, ts, 0, 0, 0); }
static inline long sys_rt_sigaction(int sig, const struct kernel_sigaction *act, struct kernel_sigaction *old, unsigned long setsize) { return SC(NR_rt_sigaction, sig, act, old, setsize, 0); }
static inline long sys_reboot(unsigned int m1, unsigned int m2, unsigned int cmd, void *arg) { return SC(NR_reboot, m1, m2, cmd, arg, 0); }

static inline void sys_nanosleep_100ms(void)
{
	struct kernel_timespec ts = { 0, 100000000 };
	SC(NR_clock_nanosleep64, CLOCK_MONOTONIC, 0, &ts, 0, 0);
}

#endif
