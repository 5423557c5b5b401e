#!/usr/bin/env bash
# build.sh - build minios into guests/bin/minios.elf (or the file given as $1).
#
# Two steps: each user program is linked on its own at 0x00010000 and
# written out as a flat binary (user/user.ld); then the kernel is linked at
# 0x80000000 with those binaries pulled in by kernel/userimg.S.
#
# Deterministic: no timestamps, no build-id, no .comment, and every path the
# compiler sees is relative to guests/minios (plus -ffile-prefix-map), so the
# same sources and toolchain give the same bytes anywhere.  Runs from any cwd.
# Tools: $CC (default clang-16, then clang) and $LD (default ld.lld-16, then ld.lld).
set -euo pipefail

die() { echo "minios/build.sh: $*" >&2; exit 1; }

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-$here/../bin/minios.elf}"
[ $# -le 1 ] || die "usage: build.sh [OUT.elf]"

. "$here/../lib/toolchain.sh"

mkdir -p -- "$(dirname -- "$out")" || die "cannot create the directory of '$out'"
out="$(cd -- "$(dirname -- "$out")" && pwd)/$(basename -- "$out")"
obj="$(mktemp -d "${TMPDIR:-/tmp}/minios-obj.XXXXXX")"
trap 'rm -rf -- "$obj"' EXIT

cflags=(
    --target=riscv32-unknown-elf -march=rv32imac -mabi=ilp32 -mcmodel=medany
    -nostdlib -ffreestanding -O2
    -Wall -Wextra
    -fno-asynchronous-unwind-tables -fno-unwind-tables -fno-ident
    -ffile-prefix-map="$here"=guests/minios
    -Iinclude -Icommon
)
ldflags=(--build-id=none --no-undefined -static)

cd -- "$here"   # every path given to the compiler is relative from here on

compile() {  # compile SRC [EXTRA FLAGS...] -> prints the object's path
    local src="$1" o
    shift
    o="$obj/$(printf '%s' "${src%.*}" | tr '/' '_').o"
    if [ ! -e "$o" ]; then
        "$cc" "${cflags[@]}" "$@" -c "$src" -o "$o" || die "compiling $src failed"
    fi
    printf '%s\n' "$o"
}

common=(common/string.c common/fmt.c common/div64.c)

# 1. User programs -> flat binaries with a header ($obj/NAME.bin).
for prog in counter spinner shell evil; do
    objs=()
    for src in user/crt0.S user/ulib.c "${common[@]}" "user/$prog.c"; do
        objs+=("$(compile "$src" -Iuser)")
    done
    "$ld" "${ldflags[@]}" -T user/user.ld "${objs[@]}" -o "$obj/$prog.elf" || die "linking $prog failed"
    "$ld" "${ldflags[@]}" -T user/user.ld "${objs[@]}" --oformat=binary -o "$obj/$prog.bin" \
        || die "linking $prog.bin failed"
    printf '  user/%-10s %6d bytes\n' "$prog" "$(wc -c <"$obj/$prog.bin")"
done

# 2. The kernel, with the user binaries inside (userimg.S finds them via -I).
objs=()
for src in kernel/entry.S kernel/main.c kernel/console.c kernel/sbi.c kernel/fdt.c \
           kernel/vm.c kernel/proc.c kernel/trap.c "${common[@]}"; do
    objs+=("$(compile "$src" -Ikernel)")
done
objs+=("$(compile kernel/userimg.S -I"$obj")")
# Link beside the target, then rename: a failed build never leaves a half-written ELF.
"$ld" "${ldflags[@]}" -T kernel/kernel.ld "${objs[@]}" -o "$out.tmp" || die "linking the kernel failed"
mv -f -- "$out.tmp" "$out"
printf '  %-15s %6d bytes -> %s\n' "minios.elf" "$(wc -c <"$out")" "$out"
