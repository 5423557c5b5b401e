/* entry.S - where the hart enters the kernel: at boot, and on every trap.
 *
 * Boot: the hypervisor (our SBI firmware) jumps to _start in S-mode with
 * a0 = hart id and a1 = physical address of the device tree (or 0), paging
 * off.  We need a stack and a zeroed .bss before C can run.
 *
 * Traps: minios only ever takes traps from U-mode (it runs its own code with
 * sstatus.SIE = 0 and never faults on purpose), so the vector saves the user
 * registers into the current process's trapframe, runs C on the one kernel
 * stack, and returns to whatever process C picked.  sscratch is the trick:
 * while a process runs it holds that process's `struct proc *`; while the
 * kernel runs it holds 0.
 */
#define TF_SEPC (32 * 4)

    .section .text.init, "ax", @progbits
    .globl _start
_start:
    la      sp, kstack_top
    /* Zero .bss (C expects statics to start at 0).  Bounds are 16-aligned by
     * kernel.ld.  a0/a1 (hart id, device tree) are left untouched for kmain. */
    la      t0, __bss_start
    la      t1, __bss_end
1:  bgeu    t0, t1, 2f
    sw      zero, 0(t0)
    addi    t0, t0, 4
    j       1b
2:  call    kmain              /* never returns */
3:  wfi
    j       3b

    .text
    /* stvec needs 4-byte alignment: its low two bits select the mode (0 = direct). */
    .balign 4
    .globl trap_entry
trap_entry:
    /* Swap: sp <- this process's trapframe, sscratch <- the user's sp. */
    csrrw   sp, sscratch, sp
    beqz    sp, trap_from_kernel

    /* Save every register but x0 and sp (sp is in sscratch). */
    sw      x1, 1*4(sp)
    sw      x3, 3*4(sp)
    sw      x4, 4*4(sp)
    sw      x5, 5*4(sp)
    sw      x6, 6*4(sp)
    sw      x7, 7*4(sp)
    sw      x8, 8*4(sp)
    sw      x9, 9*4(sp)
    sw      x10, 10*4(sp)
    sw      x11, 11*4(sp)
    sw      x12, 12*4(sp)
    sw      x13, 13*4(sp)
    sw      x14, 14*4(sp)
    sw      x15, 15*4(sp)
    sw      x16, 16*4(sp)
    sw      x17, 17*4(sp)
    sw      x18, 18*4(sp)
    sw      x19, 19*4(sp)
    sw      x20, 20*4(sp)
    sw      x21, 21*4(sp)
    sw      x22, 22*4(sp)
    sw      x23, 23*4(sp)
    sw      x24, 24*4(sp)
    sw      x25, 25*4(sp)
    sw      x26, 26*4(sp)
    sw      x27, 27*4(sp)
    sw      x28, 28*4(sp)
    sw      x29, 29*4(sp)
    sw      x30, 30*4(sp)
    sw      x31, 31*4(sp)
    csrr    t0, sscratch
    sw      t0, 2*4(sp)        /* the user's sp */
    csrr    t0, sepc
    sw      t0, TF_SEPC(sp)    /* where the user was */
    csrw    sscratch, zero     /* from here on, a trap would be the kernel's own */

    mv      a0, sp             /* trap_handler(struct proc *) */
    la      sp, kstack_top     /* a fresh kernel stack: nothing lives on it between traps */
    call    trap_handler       /* returns the process to run next */
    /* fall through into return_to_user(a0) */

    .globl return_to_user
return_to_user:
    /* a0 = the process to run.  sstatus.SPP is 0 (kmain cleared it and
     * traps only come from U-mode), so sret drops to U-mode. */
    csrw    sscratch, a0
    lw      t0, TF_SEPC(a0)
    csrw    sepc, t0
    lw      x1, 1*4(a0)
    lw      x2, 2*4(a0)
    lw      x3, 3*4(a0)
    lw      x4, 4*4(a0)
    lw      x5, 5*4(a0)
    lw      x6, 6*4(a0)
    lw      x7, 7*4(a0)
    lw      x8, 8*4(a0)
    lw      x9, 9*4(a0)
    lw      x11, 11*4(a0)
    lw      x12, 12*4(a0)
    lw      x13, 13*4(a0)
    lw      x14, 14*4(a0)
    lw      x15, 15*4(a0)
    lw      x16, 16*4(a0)
    lw      x17, 17*4(a0)
    lw      x18, 18*4(a0)
    lw      x19, 19*4(a0)
    lw      x20, 20*4(a0)
    lw      x21, 21*4(a0)
    lw      x22, 22*4(a0)
    lw      x23, 23*4(a0)
    lw      x24, 24*4(a0)
    lw      x25, 25*4(a0)
    lw      x26, 26*4(a0)
    lw      x27, 27*4(a0)
    lw      x28, 28*4(a0)
    lw      x29, 29*4(a0)
    lw      x30, 30*4(a0)
    lw      x31, 31*4(a0)
    lw      x10, 10*4(a0)      /* a0 last: it was our pointer */
    sret

trap_from_kernel:
    /* The kernel itself trapped: a bug.  Get the kernel sp back (and 0 back
     * into sscratch), then report and stop. */
    csrrw   sp, sscratch, sp
    call    kernel_trap        /* trap.c, never returns */
    j       3b

    /* The kernel's only stack.  In .bss, so it costs nothing in the ELF. */
    .section .bss.kstack, "aw", @nobits
    .balign 16
    .space  8192
    .globl kstack_top
kstack_top:
