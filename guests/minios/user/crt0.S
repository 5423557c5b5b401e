/* crt0.S - where every user program starts.  The kernel enters here in
 * U-mode with sp = the top of the process's stack and a0 = the argument
 * given to spawn(); main's return value becomes the exit code. */
    .section .text.init, "ax", @progbits
    .globl _start
_start:
    call    main
    call    exit        /* a0 = main's return value; exit never returns */
1:  j       1b
