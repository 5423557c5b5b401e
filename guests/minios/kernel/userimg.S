/* userimg.S - the user programs, built separately (see build.sh and
 * user/user.ld) and pulled into the kernel image byte for byte.  At spawn the
 * kernel copies one of them into the new process's own pages.  build.sh
 * passes the directory of the .bin files with -I. */
    .macro image name
    .section .rodata.user_\name, "a", @progbits
    .balign 4
    .globl user_\name\()_start
user_\name\()_start:
    .incbin "\name\().bin"
    .globl user_\name\()_end
user_\name\()_end:
    .endm

    image counter
    image spinner
    image shell
    image evil
