/* vm.c - physical pages and Sv32 page tables.
 *
 * Physical memory: the kernel image, then a pool of 4 KiB pages (kernel.ld
 * puts it between __pool_start and __pool_end) handed out by a free list.
 *
 * Virtual memory (every address space, see README.md):
 *   0x00010000..        the process's code+data (U, from its image)
 *   ..0x00800000        its stack (U)
 *   0x0C000000 4 MiB    PLIC   } kernel-only megapages, identical in every
 *   0x10000000 4 MiB    UART   } address space (so a trap needs no satp
 *   0x80000000 4 MiB    RAM    } switch) and without U (so user code can't)
 *
 * The kernel never dereferences a user pointer.  It walks the process's page
 * table to find the physical page, checks the U bit and the permission, and
 * copies through the identity mapping.  So a bad pointer in a system call is
 * an error code, not a kernel crash, and the kernel never needs sstatus.SUM. */
#include "kernel.h"

extern char __pool_start[], __pool_end[];   /* kernel.ld */

/* The kernel's own root table: used at boot and whenever no process runs. */
static pte_t kernel_root[1024] __attribute__((aligned(PAGE_SIZE)));
static uint32_t active_root;

/* ---- the page pool ---- */
static uint32_t free_list;   /* each free page's first word: the next one */
static uint32_t n_free, n_total;

void page_free(uint32_t pa)
{
    *(uint32_t *)(uintptr_t)pa = free_list;
    free_list = pa;
    n_free++;
}

uint32_t page_alloc(void)
{
    uint32_t pa = free_list;
    if (!pa)
        return 0;
    free_list = *(uint32_t *)(uintptr_t)pa;
    n_free--;
    /* Zeroed: a new page table must be all "invalid", and a process must
     * never see what the page's previous owner left in it. */
    memset((void *)(uintptr_t)pa, 0, PAGE_SIZE);
    return pa;
}

uint32_t pages_free(void) { return n_free; }
uint32_t pages_total(void) { return n_total; }

/* ---- kernel mappings ---- */
static void map_megapage(pte_t *root, uint32_t addr, uint32_t perm)
{
    /* A leaf in the root table maps 4 MiB; it must be 4 MiB-aligned.  G: the
     * same in every address space.  A and D preset: nothing to update. */
    root[VPN1(addr)] = PA_TO_PTE(addr) | perm | PTE_V | PTE_G | PTE_A | PTE_D;
}

void vm_init(void)
{
    /* Free from the top down so that allocation starts at the bottom. */
    for (uint32_t pa = (uint32_t)(uintptr_t)__pool_end; pa > (uint32_t)(uintptr_t)__pool_start;) {
        pa -= PAGE_SIZE;
        page_free(pa);
        n_total++;
    }
    map_megapage(kernel_root, RAM_BASE, PTE_R | PTE_W | PTE_X);
    map_megapage(kernel_root, PLIC_BASE, PTE_R | PTE_W);
    map_megapage(kernel_root, UART_BASE, PTE_R | PTE_W);
    vm_switch(0);   /* paging is on from here: the identity map keeps us going */
}

void vm_switch(uint32_t root)
{
    if (!root)
        root = (uint32_t)(uintptr_t)kernel_root;
    if (root == active_root)
        return;
    csr_write(satp, SATP_SV32 | (root >> 12));   /* ASID 0 for everybody... */
    sfence_vma();                                /* ...so flush the whole TLB */
    active_root = root;
}

uint32_t vm_active(void) { return active_root; }

/* ---- user address spaces ---- */
uint32_t uvm_create(void)
{
    uint32_t root = page_alloc();
    if (root)
        memcpy((void *)(uintptr_t)root, kernel_root, PAGE_SIZE);  /* the kernel megapages */
    return root;
}

static int is_leaf(pte_t e) { return (e & (PTE_R | PTE_W | PTE_X)) != 0; }

/* Map one 4 KiB user page, adding a second-level table when needed. */
int uvm_map(uint32_t root, uint32_t va, uint32_t pa, uint32_t perm)
{
    pte_t *e1 = (pte_t *)(uintptr_t)root + VPN1(va);
    if (!(*e1 & PTE_V)) {
        uint32_t l2 = page_alloc();
        if (!l2)
            return -1;
        *e1 = PA_TO_PTE(l2) | PTE_V;   /* V without R/W/X: "next level" */
    } else if (is_leaf(*e1)) {
        return -1;                      /* a kernel megapage lives there */
    }
    pte_t *l2 = (pte_t *)(uintptr_t)PTE_TO_PA(*e1);
    l2[VPN0(va)] = PA_TO_PTE(pa) | perm | PTE_U | PTE_V | PTE_A | PTE_D;
    return 0;
}

/* Every user mapping is below a non-leaf root entry (the kernel's are
 * megapage leaves), so freeing those frees exactly the process's pages. */
void uvm_destroy(uint32_t root)
{
    if (!root)
        return;
    if (active_root == root)
        vm_switch(0);   /* never run on a table we are about to recycle */
    pte_t *r = (pte_t *)(uintptr_t)root;
    for (int i = 0; i < 1024; i++) {
        if (!(r[i] & PTE_V) || is_leaf(r[i]))
            continue;
        pte_t *l2 = (pte_t *)(uintptr_t)PTE_TO_PA(r[i]);
        for (int j = 0; j < 1024; j++)
            if (l2[j] & PTE_V)
                page_free(PTE_TO_PA(l2[j]));
        page_free(PTE_TO_PA(r[i]));
    }
    page_free(root);
}

/* Physical address behind user address va, if the process may access it
 * with the permission bits `need` (PTE_R or PTE_W); 0 otherwise. */
static uint32_t user_pa(uint32_t root, uint32_t va, uint32_t need)
{
    pte_t e1 = ((pte_t *)(uintptr_t)root)[VPN1(va)];
    if (!(e1 & PTE_V) || is_leaf(e1))
        return 0;
    pte_t e0 = ((pte_t *)(uintptr_t)PTE_TO_PA(e1))[VPN0(va)];
    if (!(e0 & PTE_V) || !(e0 & PTE_U) || (e0 & need) != need)
        return 0;
    return PTE_TO_PA(e0) | (va & (PAGE_SIZE - 1));
}

int user_range_ok(uint32_t root, uint32_t va, uint32_t n, uint32_t need)
{
    if (va + n < va)
        return 0;   /* wraps around */
    while (n) {
        if (!user_pa(root, va, need))
            return 0;
        uint32_t chunk = PAGE_SIZE - (va & (PAGE_SIZE - 1));
        if (chunk > n)
            chunk = n;
        va += chunk;
        n -= chunk;
    }
    return 1;
}

/* Copies page by page: consecutive user pages need not be consecutive in
 * physical memory. */
int copy_to_user(uint32_t root, uint32_t dst_va, const void *src, uint32_t n)
{
    const char *s = src;
    while (n) {
        uint32_t pa = user_pa(root, dst_va, PTE_W);
        if (!pa)
            return -1;
        uint32_t chunk = PAGE_SIZE - (dst_va & (PAGE_SIZE - 1));
        if (chunk > n)
            chunk = n;
        memcpy((void *)(uintptr_t)pa, s, chunk);
        s += chunk;
        dst_va += chunk;
        n -= chunk;
    }
    return 0;
}

int copy_from_user(uint32_t root, void *dst, uint32_t src_va, uint32_t n)
{
    char *d = dst;
    while (n) {
        uint32_t pa = user_pa(root, src_va, PTE_R);
        if (!pa)
            return -1;
        uint32_t chunk = PAGE_SIZE - (src_va & (PAGE_SIZE - 1));
        if (chunk > n)
            chunk = n;
        memcpy(d, (const void *)(uintptr_t)pa, chunk);
        d += chunk;
        src_va += chunk;
        n -= chunk;
    }
    return 0;
}
