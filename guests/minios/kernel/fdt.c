/* fdt.c - just enough of a flattened-device-tree reader to find one string:
 * the property "bootargs" of the node "/chosen".
 *
 * A DTB is a header, then a "structure block" of big-endian 32-bit tokens
 * (BEGIN_NODE name, PROP len nameoff value, END_NODE, NOP, END), then a
 * "strings block" holding property names.  We walk the tokens, track how
 * deep we are, and check every offset against the blob's size: whatever
 * looks wrong means "no bootargs", never a crash.  Runs before paging is on,
 * so the physical address is directly usable. */
#include "kernel.h"

#define FDT_MAGIC      0xd00dfeedu
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE   2
#define FDT_PROP       3
#define FDT_NOP        4
#define FDT_END        9

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Length of the NUL-terminated string at s, or -1 if no NUL before max. */
static int bounded_len(const uint8_t *s, uint32_t max)
{
    for (uint32_t i = 0; i < max; i++)
        if (!s[i])
            return (int)i;
    return -1;
}

const char *fdt_bootargs(uint32_t fdt_pa)
{
    static char bootargs[128];
    if (fdt_pa == 0 || (fdt_pa & 3))
        return 0;
    const uint8_t *b = (const uint8_t *)(uintptr_t)fdt_pa;
    if (be32(b) != FDT_MAGIC)
        return 0;
    uint32_t total = be32(b + 4), st_off = be32(b + 8), str_off = be32(b + 12);
    uint32_t str_size = be32(b + 32), st_size = be32(b + 36);
    if (total < 40 || total > (1u << 20) || st_off > total || st_size > total - st_off ||
        str_off > total || str_size > total - str_off)
        return 0;

    const uint8_t *st = b + st_off, *strs = b + str_off;
    uint32_t p = 0;
    int depth = 0, in_chosen = 0;
    while (p + 4 <= st_size) {
        uint32_t tok = be32(st + p);
        p += 4;
        if (tok == FDT_BEGIN_NODE) {
            int len = bounded_len(st + p, st_size - p);
            if (len < 0)
                return 0;
            depth++;
            /* The root is depth 1 (its name is ""); /chosen is depth 2. */
            if (depth == 2 && strcmp((const char *)st + p, "chosen") == 0)
                in_chosen = 1;
            p += ((uint32_t)len + 1 + 3) & ~3u;
        } else if (tok == FDT_END_NODE) {
            if (depth == 2)
                in_chosen = 0;
            depth--;
        } else if (tok == FDT_PROP) {
            if (p + 8 > st_size)
                return 0;
            uint32_t len = be32(st + p), nameoff = be32(st + p + 4);
            p += 8;
            if (len > st_size - p || nameoff >= str_size)
                return 0;
            int nlen = bounded_len(strs + nameoff, str_size - nameoff);
            if (in_chosen && depth == 2 && nlen == 8 &&
                strcmp((const char *)strs + nameoff, "bootargs") == 0) {
                int vlen = bounded_len(st + p, len);
                if (vlen < 0)
                    return 0;
                return strncpy0(bootargs, (const char *)st + p, sizeof bootargs);
            }
            p += (len + 3) & ~3u;
        } else if (tok == FDT_NOP) {
            continue;
        } else {
            return 0; /* FDT_END, or garbage */
        }
    }
    return 0;
}
