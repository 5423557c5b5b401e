/* common.h - the little C library that the kernel and the user programs both
 * link (each gets its own copy: they live in different address spaces and
 * cannot share code at run time). */
#ifndef COMMON_H
#define COMMON_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* string.c - the compiler may call memcpy/memset by itself (struct copies,
 * zeroing arrays), so they must exist even in a freestanding program. */
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strncpy0(char *dst, const char *src, size_t size); /* always NUL-terminates */

/* fmt.c - printf-style formatting into a buffer.  Supports %d %i %u %x %s %c
 * %p %%, the flags '-' and '0', a width, and the 'll' size for 64-bit
 * integers.  Returns the length of the text (it is truncated to size-1). */
int vfmt(char *buf, size_t size, const char *fmt, va_list ap);
int fmt(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
