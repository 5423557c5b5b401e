#!/usr/bin/env bash
# build.sh [OUTDIR] - build every guest into OUTDIR/NAME.elf (default: guests/bin).
#
# Deterministic: the same sources and toolchain give the same bytes on every
# run and in every checkout.  No timestamps or build-id; sources are compiled by
# paths relative to guests/ (and -ffile-prefix-map) so no absolute path of this
# machine lands in an ELF; .comment (compiler and linker versions) is discarded
# by the linker script.  Symbols are kept: tools print them.
#
# Tools: $CC (default clang-16, then clang) and $LD (default ld.lld-16, then ld.lld).
set -euo pipefail

die() { echo "build.sh: $*" >&2; exit 1; }

# guests/ is where this script lives (pure bash: no dirname needed)
case "${BASH_SOURCE[0]}" in
    */*) here="${BASH_SOURCE[0]%/*}" ;;
    *)   here=. ;;
esac
here="$(cd -- "$here" && pwd)" || die "cannot find the guests directory"
out="${1:-$here/bin}"
[ $# -le 1 ] || die "usage: build.sh [OUTDIR]"

. "$here/lib/toolchain.sh"

mkdir -p -- "$out" || die "cannot create output directory '$out'"
out="$(cd -- "$out" && pwd)"
obj="$(mktemp -d "${TMPDIR:-/tmp}/guests-obj.XXXXXX")"
# On any exit (also Ctrl-C) drop the objects and any half-linked ELF.
trap 'rm -rf -- "$obj"; rm -f -- "$out"/.*.elf.tmp' EXIT

cflags=(
    --target=riscv32-unknown-elf -march=rv32imac -mabi=ilp32
    -nostdlib -ffreestanding -O2
    -Wall -Wextra
    -fno-asynchronous-unwind-tables -fno-unwind-tables -fno-ident
    -ffile-prefix-map="$here"=guests
    -Ilib -Iisa
)
ldflags=(-T lib/virt.ld --build-id=none --no-undefined -static -z nognustack)

# Everything below runs in guests/ so that every path handed to the compiler is
# relative (they end up in STT_FILE symbols).
cd -- "$here"

# The ISA every guest is built for; bench is built a second time without C (below).
march=rv32imac

compile() {  # compile SRC -> prints the object path
    local src="$1" o
    o="$obj/$march-$(printf '%s' "${src%.*}" | tr '/' '_').o"
    if [ ! -e "$o" ]; then
        "$cc" "${cflags[@]}" -march="$march" -c "$src" -o "$o" || die "compiling $src failed"
    fi
    printf '%s\n' "$o"
}

built=()
guest() {  # guest NAME SOURCES... : link lib runtime + SOURCES into OUT/NAME.elf
    local name="$1" src objs=()
    shift
    for src in lib/crt0.S lib/uart.c lib/runtime.c "$@"; do
        objs+=("$(compile "$src")")
    done
    # Link beside the target, then rename: a failed build never leaves a half-written ELF.
    "$ld" "${ldflags[@]}" "${objs[@]}" -o "$out/.$name.elf.tmp" || die "linking $name failed"
    mv -f -- "$out/.$name.elf.tmp" "$out/$name.elf"
    built+=("$name.elf")
    printf '  %-18s %7d bytes\n' "$name.elf" "$(wc -c <"$out/$name.elf")"
}

# guest_raw NAME SOURCES... : link only SOURCES into OUT/NAME.elf (no lib/crt0.S),
# for a guest with an entry of its own, such as a kernel started in S-mode.
guest_raw() {
    local name="$1" src objs=()
    shift
    for src in "$@"; do
        objs+=("$(compile "$src")")
    done
    "$ld" "${ldflags[@]}" "${objs[@]}" -o "$out/.$name.elf.tmp" || die "linking $name failed"
    mv -f -- "$out/.$name.elf.tmp" "$out/$name.elf"
    built+=("$name.elf")
    printf '  %-18s %7d bytes\n' "$name.elf" "$(wc -c <"$out/$name.elf")"
}

# To add a guest: one `guest NAME SOURCES...` line (lib/ runtime is linked in).
echo "building guests into $out with $("$cc" --version | head -n1)"
guest hello  hello/hello.c
guest echo   echo/echo.c
guest bench  bench/bench.c
guest bench-paged bench-paged/paged.c
guest spinner spinner/spinner.c
guest idle   idle/idle.c
guest escape escape/escape.c escape/lowlevel.S
guest netdemo netdemo/netdemo.c
for t in base m a c csr traps interrupts wfi devices fencei; do
    guest "isa-$t" "isa/$t.S" isa/trap.S isa/test_lib.c
done
# the privileged tests also link their S/M trap handlers (isa/priv.h)
for t in priv-deleg priv-vm priv-int priv-traps triggers isolation; do
    guest "isa-$t" "isa/$t.S" isa/trap.S isa/test_lib.c isa/priv_lib.S
done
# a kernel-mode guest (starts in S-mode, SBI from the hypervisor): its own entry
guest_raw sbi-test sbi-test/start.S sbi-test/sbi-test.c lib/uart.c lib/runtime.c
# the CPU benchmark without compressed instructions: bench/cpu.mjs checks that both encodings
# run at the same speed, in the interpreter and translated (issue 16)
march=rv32ima
guest bench-ima bench/bench.c
march=rv32imac

# minios is a kernel with user programs of its own: it has its own build.
CC="$cc" LD="$ld" bash minios/build.sh "$out/minios.elf" >/dev/null || die "building minios failed"
built+=("minios.elf")
printf '  %-18s %7d bytes\n' "minios.elf" "$(wc -c <"$out/minios.elf")"

# ELFs in OUT that no guest above builds (a removed guest, or one built by
# something else) are left alone but named: check.sh will reject them until
# they are added here (a `guest` line) or deleted.
for f in "$out"/*.elf; do
    [ -e "$f" ] || continue
    known=0
    for b in "${built[@]}"; do [ "${f##*/}" = "$b" ] && known=1; done
    [ "$known" = 1 ] || echo "  warning: ${f##*/} is not built by build.sh" >&2
done
