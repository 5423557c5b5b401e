/* fmt.c - a small printf formatter, shared by the kernel's kprintf and the
 * user programs' printf. */
#include "common.h"

/* The output cursor: characters past the end of the buffer are counted but
 * dropped, so the result is always a valid, NUL-terminated string. */
struct out {
    char *buf;
    size_t size, len;
};

static void put(struct out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

/* Prints text with the requested width: pad on the left unless '-'. */
static void put_field(struct out *o, const char *s, size_t n, int width, int left, char pad)
{
    int fill = width > (int)n ? width - (int)n : 0;
    if (!left) {
        /* Zero padding goes after a minus sign: -0042, not 00-42. */
        if (pad == '0' && n && *s == '-') {
            put(o, *s++);
            n--;
        }
        while (fill-- > 0)
            put(o, pad);
    }
    while (n--)
        put(o, *s++);
    if (left)
        while (fill-- > 0)
            put(o, ' ');
}

static size_t utoa(char *tmp, uint64_t v, unsigned base)
{
    char rev[24];
    size_t n = 0, i = 0;
    do {
        unsigned d = (unsigned)(v % base);
        rev[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
        v /= base;
    } while (v);
    while (n)
        tmp[i++] = rev[--n];
    return i;
}

int vfmt(char *buf, size_t size, const char *f, va_list ap)
{
    struct out o = {buf, size, 0};
    for (; *f; f++) {
        if (*f != '%') {
            put(&o, *f);
            continue;
        }
        f++;
        int left = 0, width = 0, longlong = 0;
        char pad = ' ';
        for (;; f++) {
            if (*f == '-')
                left = 1;
            else if (*f == '0')
                pad = '0';
            else
                break;
        }
        while (*f >= '0' && *f <= '9')
            width = width * 10 + (*f++ - '0');
        while (*f == 'l')  /* %lu is 32 bits on RV32, %llu is 64 */
            longlong += 1, f++;
        longlong = longlong >= 2;
        if (left)
            pad = ' ';

        char tmp[24];
        size_t n;
        switch (*f) {
        case 'd':
        case 'i': {
            int64_t v = longlong ? va_arg(ap, int64_t) : va_arg(ap, int);
            uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
            n = 0;
            if (v < 0)
                tmp[n++] = '-';
            n += utoa(tmp + n, u, 10);
            put_field(&o, tmp, n, width, left, pad);
            break;
        }
        case 'u':
        case 'x': {
            uint64_t v = longlong ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
            n = utoa(tmp, v, *f == 'x' ? 16 : 10);
            put_field(&o, tmp, n, width, left, pad);
            break;
        }
        case 'p': {
            tmp[0] = '0';
            tmp[1] = 'x';
            n = 2 + utoa(tmp + 2, (uintptr_t)va_arg(ap, void *), 16);
            put_field(&o, tmp, n, width, left, pad);
            break;
        }
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            put_field(&o, s, strlen(s), width, left, ' ');
            break;
        }
        case 'c':
            tmp[0] = (char)va_arg(ap, int);
            put_field(&o, tmp, 1, width, left, ' ');
            break;
        case '%':
            put(&o, '%');
            break;
        case 0: /* a lone '%' at the end */
            f--;
            break;
        default: /* unknown: print it as it was written */
            put(&o, '%');
            put(&o, *f);
        }
    }
    if (o.size)
        o.buf[o.len < o.size ? o.len : o.size - 1] = 0;
    return (int)o.len;
}

int fmt(char *buf, size_t size, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    int n = vfmt(buf, size, f, ap);
    va_end(ap);
    return n;
}
