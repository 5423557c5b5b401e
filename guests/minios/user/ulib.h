/* ulib.h - what a minios user program can call: the system calls, and a
 * few helpers built on them. */
#ifndef ULIB_H
#define ULIB_H

#include <stdint.h>
#include "common.h"
#include "minios.h"

int write(int fd, const void *buf, unsigned len);
int read(int fd, void *buf, unsigned len);
void yield(void);
void sleep_ms(unsigned ms);
__attribute__((noreturn)) void exit(int code);
int getpid(void);
uint64_t uptime_us(void);         /* wall-clock time since boot */
uint64_t cputime_us(void);        /* CPU time this process has used */
int spawn(const char *program, unsigned arg);
int kill(int pid);
int wait(int pid);
int procinfo(int slot, struct procinfo *info);
int console(int mode);            /* CONSOLE_SBI, CONSOLE_UART, or -1 to ask */
__attribute__((noreturn)) void poweroff(void);

int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int print(const char *s);         /* no newline added */

#endif
