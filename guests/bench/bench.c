/* bench - a CPU benchmark guest: integer kernels typical of real programs,
 * each sized to a similar share of roughly 300 million instructions.
 *
 *   sort     quicksort and heapsort of pseudo-random words (memory, branches)
 *   hash     CRC-32 (table lookups) and FNV-1a (multiplies) over a buffer
 *   matmul   integer matrix multiply (MUL, strided loads)
 *   strings  word splitting, strlen/strcmp, naive substring search (bytes)
 *   queens   N-queens by bit-mask backtracking (recursion, branches)
 *   vm       a small bytecode interpreter (indirect jumps, dispatch)
 *
 * Every kernel folds its results into a checksum; the output is the same on
 * every correct RV32IM implementation except the last line, which reads the
 * instret CSR (a count that is exact on minivisor and on QEMU -icount, but a
 * host clock on plain QEMU).
 *
 * Change the amount of work with SCALE (all kernels together, linearly).
 */
#include <stdint.h>
#include "uart.h"
#include "virt.h"

#ifndef SCALE
#define SCALE 1
#endif

/* ---------------------------------------------------------------- helpers */

static uint32_t rng_state;

static void rng_seed(uint32_t s) { rng_state = s ? s : 1; }

static uint32_t rng(void)            /* xorshift32: tiny and full-period */
{
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return rng_state = x;
}

static uint32_t mix(uint32_t h, uint32_t v)   /* order-sensitive fold */
{
    h ^= v;
    h *= 0x01000193u;
    return (h << 7) | (h >> 25);
}

static void report(const char *name, uint32_t sum)
{
    uart_puts(name);
    uart_puts(": ");
    print_hex(sum);
    uart_putc('\n');
}

/* ------------------------------------------------------------------- sort */

#define SORT_N 8192
static uint32_t sort_a[SORT_N], sort_b[SORT_N];

static void swap(uint32_t *a, uint32_t *b) { uint32_t t = *a; *a = *b; *b = t; }

static void quicksort(uint32_t *v, int lo, int hi)
{
    while (hi - lo > 16) {
        int mid = lo + (hi - lo) / 2;          /* median of three as pivot */
        if (v[mid] < v[lo]) swap(&v[mid], &v[lo]);
        if (v[hi] < v[lo]) swap(&v[hi], &v[lo]);
        if (v[hi] < v[mid]) swap(&v[hi], &v[mid]);
        uint32_t p = v[mid];
        int i = lo, j = hi;
        while (i <= j) {
            while (v[i] < p) i++;
            while (v[j] > p) j--;
            if (i <= j) { swap(&v[i], &v[j]); i++; j--; }
        }
        /* recurse into the smaller half, loop on the larger: bounded stack */
        if (j - lo < hi - i) { quicksort(v, lo, j); lo = i; }
        else                 { quicksort(v, i, hi); hi = j; }
    }
    for (int i = lo + 1; i <= hi; i++) {        /* insertion sort the rest */
        uint32_t x = v[i];
        int k = i - 1;
        while (k >= lo && v[k] > x) { v[k + 1] = v[k]; k--; }
        v[k + 1] = x;
    }
}

static void sift_down(uint32_t *v, int root, int n)
{
    for (;;) {
        int child = 2 * root + 1;
        if (child >= n) return;
        if (child + 1 < n && v[child + 1] > v[child]) child++;
        if (v[root] >= v[child]) return;
        swap(&v[root], &v[child]);
        root = child;
    }
}

static void heapsort(uint32_t *v, int n)
{
    for (int i = n / 2 - 1; i >= 0; i--) sift_down(v, i, n);
    for (int i = n - 1; i > 0; i--) { swap(&v[0], &v[i]); sift_down(v, 0, i); }
}

static uint32_t bench_sort(int rounds)
{
    uint32_t sum = 0;
    for (int r = 0; r < rounds; r++) {
        rng_seed(0x2545f491u + r);
        for (int i = 0; i < SORT_N; i++) {
            /* small range on odd rounds: many duplicates */
            sort_a[i] = (r & 1) ? rng() % 1000 : rng();
            sort_b[i] = sort_a[i];
        }
        quicksort(sort_a, 0, SORT_N - 1);
        heapsort(sort_b, SORT_N);
        for (int i = 0; i < SORT_N; i++) {
            if (sort_a[i] != sort_b[i] || (i && sort_a[i - 1] > sort_a[i]))
                return 0xbad50700u + i;     /* visible in the checksum */
            if ((i & 63) == 0) sum = mix(sum, sort_a[i]);
        }
    }
    return sum;
}

/* ------------------------------------------------------------------- hash */

#define HASH_N 32768
static uint8_t hash_buf[HASH_N];
static uint32_t crc_table[256];

static void crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
}

static uint32_t crc32(const uint8_t *p, uint32_t n)
{
    uint32_t c = 0xffffffffu;
    while (n--)
        c = crc_table[(c ^ *p++) & 0xff] ^ (c >> 8);
    return ~c;
}

static uint32_t fnv1a(const uint8_t *p, uint32_t n)
{
    uint32_t h = 0x811c9dc5u;
    while (n--) {
        h ^= *p++;
        h *= 0x01000193u;
    }
    return h;
}

static uint32_t bench_hash(int rounds)
{
    crc_init();
    uint32_t sum = crc32((const uint8_t *)"123456789", 9);   /* 0xcbf43926 */
    rng_seed(0x9e3779b9u);
    for (int i = 0; i < HASH_N; i++)
        hash_buf[i] = (uint8_t)(rng() >> 11);
    for (int r = 0; r < rounds; r++) {
        hash_buf[r % HASH_N] ^= (uint8_t)r;   /* each round hashes new data */
        sum = mix(sum, crc32(hash_buf, HASH_N));
        sum = mix(sum, fnv1a(hash_buf, HASH_N));
    }
    return sum;
}

/* ----------------------------------------------------------------- matmul */

#define MAT_N 40
static int32_t mat_a[MAT_N][MAT_N], mat_b[MAT_N][MAT_N], mat_c[MAT_N][MAT_N];

static uint32_t bench_matmul(int rounds)
{
    uint32_t sum = 0;
    rng_seed(12345);
    for (int i = 0; i < MAT_N; i++)
        for (int j = 0; j < MAT_N; j++) {
            mat_a[i][j] = (int32_t)(rng() % 201) - 100;
            mat_b[i][j] = (int32_t)(rng() % 201) - 100;
        }
    for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < MAT_N; i++)
            for (int j = 0; j < MAT_N; j++) {
                int32_t acc = 0;
                for (int k = 0; k < MAT_N; k++)
                    acc += mat_a[i][k] * mat_b[k][j];
                mat_c[i][j] = acc;
            }
        /* feed the result back so rounds cannot be skipped or merged */
        for (int i = 0; i < MAT_N; i++) {
            sum = mix(sum, (uint32_t)mat_c[i][(i + r) % MAT_N]);
            mat_a[i][r % MAT_N] = mat_c[i][i] % 101;
        }
    }
    return sum;
}

/* ---------------------------------------------------------------- strings */

#define TEXT_N 24576
static char text[TEXT_N + 1];
static const char *words[1024];

static const char *const syllables[16] = {
    "ka", "lo", "mi", "vor", "te", "sen", "ra", "dul",
    "pi", "nex", "o", "bra", "zu", "fen", "ly", "qua",
};

static uint32_t my_strlen(const char *s)
{
    const char *p = s;
    while (*p) p++;
    return (uint32_t)(p - s);
}

static int my_strcmp(const char *a, const char *b)
{
    while (*a && *a == *b) a++, b++;
    return (unsigned char)*a - (unsigned char)*b;
}

static uint32_t count_occurrences(const char *hay, const char *needle)
{
    uint32_t n = 0, len = my_strlen(needle);
    for (const char *p = hay; *p; p++) {
        uint32_t k = 0;
        while (k < len && p[k] == needle[k]) k++;
        if (k == len) n++;
    }
    return n;
}

static uint32_t bench_strings(int rounds)
{
    uint32_t sum = 0;
    for (int r = 0; r < rounds; r++) {
        /* generate text: words of 1-4 syllables, spaces, a newline now and then */
        rng_seed(777 + r);
        uint32_t n = 0;
        while (n < TEXT_N - 16) {
            int syl = 1 + rng() % 4;
            for (int s = 0; s < syl; s++)
                for (const char *q = syllables[rng() % 16]; *q; q++)
                    text[n++] = *q;
            text[n++] = (rng() % 10 == 0) ? '\n' : ' ';
        }
        text[n] = 0;
        sum = mix(sum, my_strlen(text));

        /* split into words in place: lengths and ordering of neighbours */
        uint32_t nwords = 0, ordered = 0;
        char *p = text;
        while (*p) {
            char *start = p;
            while (*p && *p != ' ' && *p != '\n') p++;
            if (*p) *p++ = 0;
            words[nwords & 1023] = start;
            if (nwords && my_strcmp(words[(nwords - 1) & 1023], start) < 0) ordered++;
            sum = mix(sum, my_strlen(start));
            nwords++;
        }
        sum = mix(sum, nwords);
        sum = mix(sum, ordered);

        /* words are NUL-separated now: search each of the last 1024 */
        uint32_t found = 0;
        for (uint32_t w = 0; w < 1024 && w < nwords; w++) {
            found += count_occurrences(words[w], "ra");
            found += count_occurrences(words[w], "sen");
        }
        sum = mix(sum, found);
    }
    return sum;
}

/* ----------------------------------------------------------------- queens */

static uint32_t queens(uint32_t cols, uint32_t diag1, uint32_t diag2, uint32_t all)
{
    if (cols == all) return 1;
    uint32_t count = 0;
    uint32_t free = all & ~(cols | diag1 | diag2);
    while (free) {
        uint32_t bit = free & -free;           /* lowest free square */
        free -= bit;
        count += queens(cols | bit, ((diag1 | bit) << 1) & all, (diag2 | bit) >> 1, all);
    }
    return count;
}

/* Read through volatile: the kernels are pure functions of constants, and
 * the compiler would otherwise compute them once for all rounds. */
static volatile uint32_t queens_first = 4;

static uint32_t bench_queens(int rounds)
{
    uint32_t sum = 0;
    for (int r = 0; r < rounds; r++)
        for (uint32_t n = queens_first; n <= 9; n++)
            sum = mix(sum, queens(0, 0, 0, (1u << n) - 1));  /* 2 10 4 40 92 352 */
    return sum;
}

/* --------------------------------------------------------------------- vm */

/* A stack machine with 8 registers.  Instructions are one byte of opcode and
 * one byte of operand. */
enum { PUSH, LOAD, STORE, ADD, SUB, MUL, MOD, DUP, JMP, JZ, JLT, HALT };

/* counts primes below 2500 by trial division:
 *   r0 = candidate, r1 = divisor, r2 = count */
static const uint8_t vm_program[] = {
    PUSH, 2,  STORE, 0,            /*  0: n = 2 */
    PUSH, 0,  STORE, 2,            /*  4: count = 0 */
    PUSH, 2,  STORE, 1,            /*  8: d = 2          <- outer */
    LOAD, 0,  LOAD, 1,  LOAD, 1,   /* 12: n, d, d        <- inner */
    MUL, 0,   JLT, 42,             /* 18: n < d*d: prime */
    LOAD, 0,  LOAD, 1,  MOD, 0,    /* 22: n % d */
    JZ, 50,                        /* 28: divisible: not prime */
    LOAD, 1,  PUSH, 1,  ADD, 0,    /* 30: d++ */
    STORE, 1, JMP, 12,             /* 36 */
    0, 0,                          /* 40: padding */
    LOAD, 2,  PUSH, 1,  ADD, 0,    /* 42: count++ (prime) */
    STORE, 2,                      /* 48 */
    LOAD, 0,  PUSH, 1,  ADD, 0,    /* 50: n++ */
    DUP, 0,   STORE, 0,            /* 56 */
    PUSH, 50, PUSH, 50, MUL, 0,    /* 60: 2500 */
    JLT, 8,                        /* 66: n < 2500: next (stack: n, 2500) */
    HALT, 0,                       /* 68 */
};

static uint32_t vm_run(const uint8_t *code)
{
    int32_t stack[16], reg[8] = {0};
    int sp = 0, pc = 0;
    for (;;) {
        uint8_t op = code[pc], arg = code[pc + 1];
        pc += 2;
        switch (op) {
        case PUSH:  stack[sp++] = arg; break;
        case LOAD:  stack[sp++] = reg[arg & 7]; break;
        case STORE: reg[arg & 7] = stack[--sp]; break;
        case ADD:   sp--; stack[sp - 1] += stack[sp]; break;
        case SUB:   sp--; stack[sp - 1] -= stack[sp]; break;
        case MUL:   sp--; stack[sp - 1] *= stack[sp]; break;
        case MOD:   sp--; stack[sp - 1] %= stack[sp]; break;
        case DUP:   stack[sp] = stack[sp - 1]; sp++; break;
        case JMP:   pc = arg; break;
        case JZ:    if (stack[--sp] == 0) pc = arg; break;
        case JLT:   sp -= 2; if (stack[sp] < stack[sp + 1]) pc = arg; break;  /* a < b, a pushed first */
        case HALT:  return (uint32_t)reg[2];
        default:    return 0xbadc0de0u | op;
        }
        if (sp < 0 || sp > 14) return 0xbad57ac0u;
    }
}

static const uint8_t *volatile vm_code = vm_program;   /* see queens_first */

static uint32_t bench_vm(int rounds)
{
    uint32_t sum = 0;
    for (int r = 0; r < rounds; r++)
        sum = mix(sum, vm_run(vm_code));    /* 367 primes below 2500 */
    return sum;
}

/* ------------------------------------------------------------------- main */

int main(void)
{
    uart_puts("bench: integer CPU benchmark (sort, hash, matmul, strings, queens, vm)\n");
    uint64_t start = read_instret();

    uint32_t total = 0, s;
    /* round counts give each kernel about 50 million instructions */
    s = bench_sort(14 * SCALE);    report("sort", s);    total = mix(total, s);
    s = bench_hash(88 * SCALE);    report("hash", s);    total = mix(total, s);
    s = bench_matmul(94 * SCALE);  report("matmul", s);  total = mix(total, s);
    s = bench_strings(50 * SCALE); report("strings", s); total = mix(total, s);
    s = bench_queens(105 * SCALE); report("queens", s);  total = mix(total, s);
    s = bench_vm(10 * SCALE);     report("vm", s);      total = mix(total, s);

    uint64_t instructions = read_instret() - start;
    uart_puts("checksum: ");
    print_hex(total);
    uart_putc('\n');
    uart_puts("instructions: ");
    print_dec64(instructions);
    uart_putc('\n');
    return 0;
}
