/*
 * start.S - the entry point of /init.
 *
 * The kernel starts the ELF at _start with sp pointing at argc, argv[],
 * envp[] and the auxiliary vector; init uses none of them.  gp must hold
 * __global_pointer$ because the linker may relax accesses to small data into
 * gp-relative ones (and must not relax this very instruction pair).
 */
	.section .text._start, "ax"
	.globl _start
_start:
	.option push
	.option norelax
	la	gp, __global_pointer$
	.option pop
	andi	sp, sp, -16
	call	main
	/* main never returns; if it did, the kernel would panic on init's exit */
	li	a0, 0
	li	a7, 93		/* exit */
	ecall
1:	j	1b
