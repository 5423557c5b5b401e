#!/usr/bin/env bash
# build.sh [OUT_IMAGE] - build minivisor's Linux guest: Linux 6.1 for RV32IMAC
# with a built-in initramfs holding a small Linux system: BusyBox (init, ash
# and ~170 commands) linked statically against musl, the files of rootfs/ and
# the `container` command.
#
# Output: OUT_IMAGE (default guests/bin/linux-rv32imac.Image), the kernel's raw
# RISC-V `Image` (load it at the start of RAM, enter in S-mode with a0 = hart
# id, a1 = device tree).
#
# Inputs, all from Debian (see README.md):
#   /usr/src/linux-source-6.1.tar.xz   linux-source-6.1  (override: LINUX_TARBALL)
#   riscv64-linux-gnu-gcc / binutils   gcc-riscv64-linux-gnu (kernel, musl, BusyBox)
#   rv32imac/ilp32 libgcc.a            gcc-riscv64-unknown-elf (compiler helpers)
#   busybox, musl source packages      `apt-get source` from $MINIVISOR_USERLAND_SUITE
#                                      (default trixie), through a private apt
#                                      configuration in the build directory
#   bc flex bison libssl-dev cpio      the kernel build's host tools; dpkg-dev
#
# Build directory: $MINIVISOR_LINUX_BUILD (default guests/linux/build, which is
# git-ignored).  Sources are unpacked (and fetched) there once and reused; the
# kernel is built in-tree there, so a rebuild after a change is incremental.
# MINIVISOR_REFETCH=1 fetches the userland sources again (a new Debian upload).
#
# Reproducible: fixed KBUILD_BUILD_{TIMESTAMP,USER,HOST,VERSION} and
# SOURCE_DATE_EPOCH, a fixed mtime for every initramfs entry, no absolute paths
# in any binary.  Same toolchain and source versions, same bytes, in any build
# directory; check.sh verifies that.
set -euo pipefail

die() { echo "build.sh: $*" >&2; exit 1; }

case "${BASH_SOURCE[0]}" in
    */*) here="${BASH_SOURCE[0]%/*}" ;;
    *)   here=. ;;
esac
here="$(cd -- "$here" && pwd)" || die "cannot find guests/linux"
repo="$(cd -- "$here/../.." && pwd)"
[ $# -le 1 ] || die "usage: build.sh [OUT_IMAGE]"
out="${1:-$repo/guests/bin/linux-rv32imac.Image}"

tarball="${LINUX_TARBALL:-/usr/src/linux-source-6.1.tar.xz}"
build="${MINIVISOR_LINUX_BUILD:-$here/build}"
suite="${MINIVISOR_USERLAND_SUITE:-trixie}"
cross=riscv64-linux-gnu-
jobs="$(nproc 2>/dev/null || echo 1)"
# The rv32 compiler helpers (__udivdi3 and friends) of the bare-metal GCC's
# rv32imac/ilp32 multilib: plain code, the same for Linux as for bare metal.
libgcc="$(riscv64-unknown-elf-gcc -march=rv32imac -mabi=ilp32 -print-libgcc-file-name 2>/dev/null || true)"

export KBUILD_BUILD_TIMESTAMP='2026-01-01 00:00:00 UTC'
export KBUILD_BUILD_USER=minivisor
export KBUILD_BUILD_HOST=minivisor
export KBUILD_BUILD_VERSION=1
export LC_ALL=C TZ=UTC
epoch="$(date -u -d "$KBUILD_BUILD_TIMESTAMP" +%s)"
export SOURCE_DATE_EPOCH="$epoch"
umask 022

for tool in "${cross}gcc" "${cross}ld" "${cross}objcopy" "${cross}strip" make bc flex bison cpio xz \
            apt-get dpkg-source; do
    command -v "$tool" >/dev/null 2>&1 || die "missing tool '$tool' (apt-get install gcc-riscv64-linux-gnu gcc-riscv64-unknown-elf bc flex bison libssl-dev cpio xz-utils make dpkg-dev)"
done
[ -n "$libgcc" ] && [ -f "$libgcc" ] && [[ $libgcc == */rv32imac/ilp32/* ]] \
    || die "no rv32imac/ilp32 libgcc.a (apt-get install gcc-riscv64-unknown-elf)"
[ -r "$tarball" ] || die "no kernel source at $tarball (apt-get install linux-source-6.1)"

start=$(date +%s)
mkdir -p -- "$build"
build="$(cd -- "$build" && pwd)"
src="$build/linux"
# gen_init_cpio's list format splits at blanks, and so do parts of kbuild
case "$build" in *[[:space:]]*) die "the build directory '$build' must not contain blanks" ;; esac
stage() { echo "build.sh: [$(( $(date +%s) - start )) s] $*"; }

# ---- 1. the kernel source: unpack once -------------------------------------
# The stamp records which tarball (size and mtime) was unpacked; another one
# (a new Debian upload) gives a fresh tree.
stamp="$(stat -c '%s %Y' -- "$tarball") $tarball"
if [ ! -f "$src/.minivisor-unpacked" ] || [ "$(cat "$src/.minivisor-unpacked")" != "$stamp" ]; then
    stage "unpacking $tarball into $src"
    rm -rf -- "$src" "$build/unpack.tmp" "$build/sysroot" "$build/musl-obj"
    mkdir -p -- "$build/unpack.tmp"
    tar -xJf "$tarball" -C "$build/unpack.tmp"
    top=("$build"/unpack.tmp/*)
    [ ${#top[@]} -eq 1 ] && [ -f "${top[0]}/Makefile" ] || die "unexpected tarball layout"
    mv -- "${top[0]}" "$src"
    rmdir -- "$build/unpack.tmp"
    echo "$stamp" > "$src/.minivisor-unpacked"
fi
kmake() { make -C "$src" ARCH=riscv CROSS_COMPILE="$cross" "$@"; }

# ---- 2. the userland sources: apt-get source busybox musl -------------------
# A private apt configuration (sources list, indexes, cache) in the build
# directory, with deb-src entries for $suite: the machine's own apt setup is
# left alone, and no root is needed.
pkgs="$build/sources"
if [ "${MINIVISOR_REFETCH:-0}" = 1 ] || [ ! -f "$pkgs/.fetched" ]; then
    stage "fetching the busybox and musl source packages of Debian $suite"
    rm -rf -- "$pkgs" "$build/apt"
    mkdir -p -- "$build/apt/lists/partial" "$build/apt/cache/archives/partial" "$pkgs"
    keyring=/usr/share/keyrings/debian-archive-keyring.gpg
    [ -r "$keyring" ] || die "no $keyring (apt-get install debian-archive-keyring)"
    {
        for s in "$suite" "$suite-updates"; do
            echo "deb-src [signed-by=$keyring] http://deb.debian.org/debian $s main"
        done
        echo "deb-src [signed-by=$keyring] http://deb.debian.org/debian-security $suite-security main"
    } > "$build/apt/sources.list"
    aptopts=(-o "Dir::Etc::SourceList=$build/apt/sources.list" -o "Dir::Etc::SourceParts=$build/apt/none"
             -o "Dir::State::Lists=$build/apt/lists" -o "Dir::Cache=$build/apt/cache"
             -o Debug::NoLocking=1 -o APT::Sandbox::User=root
             -o Acquire::Retries=3)
    apt-get "${aptopts[@]}" -qq update >"$build/apt/update.log" 2>&1 \
        || { cat "$build/apt/update.log" >&2; die "apt-get update (deb-src $suite) failed"; }
    (cd "$pkgs" && apt-get "${aptopts[@]}" -q source busybox musl) >"$build/apt/source.log" 2>&1 \
        || { cat "$build/apt/source.log" >&2; die "apt-get source busybox musl failed"; }
    touch "$pkgs/.fetched"
fi
# name, Debian version and directory of each unpacked source package
srcpkg() {
    local dsc
    dsc=("$pkgs/$1"_*.dsc)
    [ -f "${dsc[0]}" ] || die "no $1 source package in $pkgs (MINIVISOR_REFETCH=1 to fetch again)"
    sed -n 's/^Version: //p' "${dsc[0]}" | head -1
}
bb_version="$(srcpkg busybox)"
musl_version="$(srcpkg musl)"
bb_src=("$pkgs"/busybox-*/)
musl_src=("$pkgs"/musl-*/)
bb_src="${bb_src[0]%/}"
musl_src="${musl_src[0]%/}"
[ -f "$bb_src/Makefile" ] && [ -f "$musl_src/configure" ] || die "unexpected source package layout in $pkgs"
# What the userland was built from (check.sh compares it with versions.txt).
{
    echo "busybox (source) $bb_version"
    echo "musl (source) $musl_version"
} > "$build/sources.txt"

# ---- 3. musl: the C library, static, rv32imac/ilp32 -------------------------
sysroot="$build/sysroot"
musl_stamp="$musl_version $(stat -c %s "$libgcc")"
if [ "$(cat "$sysroot/.musl" 2>/dev/null || true)" != "$musl_stamp" ]; then
    stage "building musl $musl_version"
    rm -rf -- "$build/musl-obj" "$sysroot"
    mkdir -p -- "$build/musl-obj"
    (cd "$build/musl-obj" &&
        "$musl_src/configure" --target=riscv32-linux-musl --prefix=/ --disable-shared \
            CC="${cross}gcc -march=rv32imac_zicsr_zifencei -mabi=ilp32" CROSS_COMPILE="$cross" \
            CFLAGS="-fno-pie -ffile-prefix-map=$build/=" LIBCC="$libgcc" >configure.log 2>&1 &&
        make -j"$jobs" >make.log 2>&1 &&
        make install DESTDIR="$sysroot" >install.log 2>&1) \
        || { tail -30 "$build"/musl-obj/*.log >&2; die "musl build failed"; }
    echo "$musl_stamp" > "$sysroot/.musl"
fi
# The kernel's UAPI headers (linux/*.h, asm/*.h) for BusyBox, from this kernel.
if [ ! -f "$sysroot/include/linux/version.h" ]; then
    stage "installing the kernel's UAPI headers"
    kmake -s headers >"$build/headers.log" 2>&1 || { cat "$build/headers.log" >&2; die "make headers failed"; }
    for d in "$src"/usr/include/*/; do cp -a -- "$d" "$sysroot/include/"; done
    find "$sysroot/include" -name '.*' -type f -delete
fi

# A compiler driver for static rv32 musl programs: musl's headers and start
# files, no glibc, no PIE, libgcc.a from the rv32imac/ilp32 multilib.
cc="$build/bin/rv32-musl-gcc"
mkdir -p -- "$build/bin"
cat > "$cc.tmp" <<EOF
#!/bin/sh
# generated by guests/linux/build.sh: gcc for static rv32imac/ilp32 musl programs
set -e
flags="-march=rv32imac_zicsr_zifencei -mabi=ilp32 -fno-pie -ffile-prefix-map=$build/= -nostdinc -isystem $sysroot/include -isystem $("${cross}gcc" -print-file-name=include)"
for a in "\$@"; do
    case \$a in -c|-S|-E|-M|-MM|-r|-nostdlib) exec ${cross}gcc \$flags "\$@" ;; esac
done
exec ${cross}gcc \$flags -no-pie -static -nostdlib -Wl,--build-id=none \\
    $sysroot/lib/crt1.o $sysroot/lib/crti.o "\$@" \\
    -L$sysroot/lib -Wl,--start-group -lc $libgcc -Wl,--end-group $sysroot/lib/crtn.o
EOF
chmod +x "$cc.tmp"
mv -f -- "$cc.tmp" "$cc"

# ---- 4. BusyBox --------------------------------------------------------------
bb="$build/busybox"
if [ "$(cat "$bb/.minivisor-version" 2>/dev/null || true)" != "$bb_version" ]; then
    stage "copying busybox $bb_version into $bb"
    rm -rf -- "$bb"
    cp -a -- "$bb_src" "$bb"
    echo "$bb_version" > "$bb/.minivisor-version"
fi
bbmake() {
    make -C "$bb" CROSS_COMPILE="$cross" CC="$cc" HOSTCC=gcc \
        BB_EXTRA_VERSION="Debian $bb_version" KCONFIG_NOTIMESTAMP=1 "$@"
}
bbfrag="$here/busybox.config"
# The configuration is made in a copy of the tree of its own (allnoconfig also
# writes the build's generated headers): allnoconfig, then the fragment's lines
# in place of the same options, then oldconfig (options that the fragment makes
# visible take their defaults).  The build tree gets the result only when it
# differs, so that an unchanged configuration rebuilds nothing.
bbconf="$build/busybox-kconfig"
if [ "$(cat "$bbconf/.minivisor-version" 2>/dev/null || true)" != "$bb_version" ]; then
    rm -rf -- "$bbconf"
    cp -a -- "$bb_src" "$bbconf"
    echo "$bb_version" > "$bbconf/.minivisor-version"
fi
KCONFIG_NOTIMESTAMP=1 make -C "$bbconf" -s allnoconfig >"$build/busybox-config.log" 2>&1 || { tail -40 "$build/busybox-config.log" >&2; die "busybox allnoconfig failed"; }
awk 'NR == FNR { if (match($0, /^(# )?CONFIG_[A-Za-z0-9_]+/)) { s = substr($0, RSTART, RLENGTH); sub(/^# /, "", s); want[s] = 1 }; next }
     { if (match($0, /^(# )?CONFIG_[A-Za-z0-9_]+/)) { s = substr($0, RSTART, RLENGTH); sub(/^# /, "", s); if (s in want) next }; print }' \
    "$bbfrag" "$bbconf/.config" > "$bbconf/.config.new"
grep -E '^(# )?CONFIG_' "$bbfrag" >> "$bbconf/.config.new"
mv -f -- "$bbconf/.config.new" "$bbconf/.config"
KCONFIG_NOTIMESTAMP=1 make -C "$bbconf" oldconfig < <(yes "") >>"$build/busybox-config.log" 2>&1 || { tail -40 "$build/busybox-config.log" >&2; die "busybox oldconfig failed"; }
cmp -s -- "$bbconf/.config" "$bb/.config" || cp -- "$bbconf/.config" "$bb/.config"
check_fragment() { # FRAGMENT CONFIG WHAT: every option of FRAGMENT must hold in CONFIG
    local frag="$1" config="$2" what="$3" l opt got
    local -A want=()
    local order=() dropped=()
    while IFS= read -r l; do
        if [[ $l =~ ^(CONFIG_[A-Za-z0-9_]+)=(.*)$ ]] || [[ $l =~ ^#\ (CONFIG_[A-Za-z0-9_]+)\ is\ not\ set$ ]]; then
            [ -n "${want[${BASH_REMATCH[1]}]+x}" ] || order+=("${BASH_REMATCH[1]}")
            want[${BASH_REMATCH[1]}]="$l"
        fi
    done < "$frag"
    for opt in "${order[@]}"; do
        l="${want[$opt]}"
        got="$(grep -E "^(# )?$opt[= ]" "$config" || true)"
        if [[ $l == "# "* ]]; then
            [[ $got != "$opt="* ]] || dropped+=("$l  (got: $got)")
        else
            [ "$got" = "$l" ] || dropped+=("$l  (got: ${got:-absent})")
        fi
    done
    if [ ${#dropped[@]} -gt 0 ]; then
        echo "build.sh: these $what options did not survive the configuration" \
             "(a missing dependency, or a name/type mistake):" >&2
        printf '  %s\n' "${dropped[@]}" >&2
        exit 1
    fi
}
check_fragment "$bbfrag" "$bb/.config" BusyBox
stage "building busybox $bb_version"
# (busybox.links after busybox: it is made from the generated headers)
rm -f -- "$bb/busybox.links"
{ bbmake -j"$jobs" busybox && bbmake busybox.links; } >"$build/busybox-make.log" 2>&1 \
    || { grep -E 'error|Error' "$build/busybox-make.log" | head -30 >&2; tail -20 "$build/busybox-make.log" >&2; die "busybox build failed"; }
[ "$(wc -l < "$bb/busybox.links")" -gt 100 ] || die "busybox.links lists too few applets"
[ -x "$bb/busybox" ] || die "no $bb/busybox after make"

# ---- 5. the initramfs: BusyBox, its links, rootfs/ and generated files -------
# Every file goes through $stage_dir with a pinned mtime (gen_init_cpio stores a
# file's own mtime); directories, links and nodes get KBUILD_BUILD_TIMESTAMP
# from usr/gen_initramfs.sh.  Modes and owners are written here, not taken
# from the checkout.
stage_dir="$build/rootfs"
rm -rf -- "$stage_dir"
mkdir -p -- "$stage_dir"
cp -- "$bb/busybox" "$stage_dir/busybox"
kver="$(kmake -s kernelversion 2>/dev/null)"
bb_upstream="${bb_version#*:}"; bb_upstream="${bb_upstream%%-*}"
musl_upstream="${musl_version%%-*}"
cat > "$stage_dir/motd" <<EOF
minivisor Linux: Linux $kver (riscv32), BusyBox $bb_upstream, musl $musl_upstream
Try: ls /  ps  top  free  df -h  dmesg | tail  container --help  poweroff
EOF
cat > "$stage_dir/os-release" <<EOF
NAME="minivisor Linux"
ID=minivisor
PRETTY_NAME="minivisor Linux (BusyBox $bb_upstream, musl $musl_upstream)"
VERSION_ID="$kver"
HOME_URL="https://github.com/minivisor"
EOF
touch -h -d "@$epoch" -- "$stage_dir"/*

list="$build/initramfs.list"
{
    echo "# generated by guests/linux/build.sh"
    for d in /bin /sbin /usr /usr/bin /usr/sbin /usr/share /usr/share/udhcpc /etc /etc/init.d \
             /dev /proc /sys /tmp /run /mnt /var /root /containers; do
        case $d in
            /tmp) echo "dir $d 1777 0 0" ;;
            /root) echo "dir $d 0700 0 0" ;;
            /proc | /sys) echo "dir $d 0555 0 0" ;;
            *) echo "dir $d 0755 0 0" ;;
        esac
    done
    echo "nod /dev/console 0600 0 0 c 5 1"
    echo "nod /dev/null 0666 0 0 c 1 3"
    echo "file /bin/busybox $stage_dir/busybox 0755 0 0"
    echo "slink /init /bin/busybox 0777 0 0"
    echo "slink /var/run /run 0777 0 0"
    echo "slink /var/tmp /tmp 0777 0 0"
    # /bin/sh for #! and init; the other applets' links are made at boot by
    # `busybox --install -s` (rcS): 0.6 M instructions there, against ~2 M for
    # unpacking ~170 more cpio entries (header, create, chown, utimes each)
    echo "slink /bin/sh busybox 0777 0 0"
    # rootfs/: scripts executable, /etc/shadow-like files none
    while IFS= read -r f; do
        rel="${f#"$here/rootfs"}"
        flat="$(echo "${rel#/}" | tr / _)"
        cp -- "$f" "$stage_dir/$flat"
        touch -d "@$epoch" -- "$stage_dir/$flat"
        case $rel in
            /bin/* | /sbin/* | /etc/init.d/* | *.script) mode=0755 ;;
            *) mode=0644 ;;
        esac
        echo "file $rel $stage_dir/$flat $mode 0 0"
    done < <(find "$here/rootfs" -type f | sort)
    echo "file /etc/motd $stage_dir/motd 0644 0 0"
    echo "file /etc/os-release $stage_dir/os-release 0644 0 0"
} > "$list.tmp"
mv -f -- "$list.tmp" "$list"
# kbuild decides by mtime, and the mtimes are pinned: so record what the
# initramfs was generated from, and when that changes, drop the generated cpio
# so that make rebuilds it (and relinks the kernel).
ramfs_sum="$( (cat -- "$list"; awk '$1 == "file" { print $3 }' "$list" | xargs cat --) | sha256sum | cut -d' ' -f1)"
if [ "$(cat -- "$build/initramfs.sum" 2>/dev/null || true)" != "$ramfs_sum" ]; then
    rm -f -- "$src/usr/initramfs_data.cpio"
    echo "$ramfs_sum" > "$build/initramfs.sum"
fi

# ---- 6. configuration: tinyconfig + minivisor.config, then verify ----------
fragment="$here/minivisor.config"
extra="$build/initramfs.config"
printf 'CONFIG_INITRAMFS_SOURCE="%s"\n' "$list" > "$extra"
# An optional further fragment for experiments (applied last, checked too).
if [ -n "${MINIVISOR_LINUX_EXTRA_CONFIG:-}" ]; then
    [ -r "$MINIVISOR_LINUX_EXTRA_CONFIG" ] || die "cannot read $MINIVISOR_LINUX_EXTRA_CONFIG"
    cat -- "$MINIVISOR_LINUX_EXTRA_CONFIG" >> "$extra"
fi

kmake -s tinyconfig >/dev/null
(cd "$src" && ARCH=riscv CROSS_COMPILE="$cross" scripts/kconfig/merge_config.sh -m -O "$src" \
    "$src/.config" "$fragment" "$extra" >"$build/merge_config.log" 2>&1) \
    || { cat "$build/merge_config.log" >&2; die "merge_config.sh failed"; }
# (olddefconfig warns about every choice the fragment changes: expected)
kmake -s olddefconfig >"$build/olddefconfig.log" 2>&1 \
    || { cat "$build/olddefconfig.log" >&2; die "olddefconfig failed"; }
cat -- "$fragment" "$extra" > "$build/kernel-fragments.config"
check_fragment "$build/kernel-fragments.config" "$src/.config" kernel

# ---- 7. the kernel ---------------------------------------------------------
stage "building Image with -j$jobs in $src"
kmake -s -j"$jobs" Image
image="$src/arch/riscv/boot/Image"
[ -f "$image" ] || die "no $image after make"

mkdir -p -- "$(dirname -- "$out")"
cp -f -- "$image" "$out.tmp"
mv -f -- "$out.tmp" "$out"
end=$(date +%s)
echo "build.sh: $out: $(stat -c %s -- "$out") bytes, sha256 $(sha256sum -- "$out" | cut -c1-16)…," \
     "built in $((end - start)) s (busybox $bb_version, musl $musl_version, $(wc -l < "$bb/busybox.links") applets)"
