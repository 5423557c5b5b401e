#!/usr/bin/env bash
# check.sh - rebuild the Linux guest from scratch in a temporary directory and
# compare it byte for byte with the committed guests/bin/linux-rv32imac.Image.
#
# Exit 0: identical.  Exit 1: the build failed, the rebuilt Image does not boot
# to its shell, or the bytes differ (a changed fragment, rootfs file or script
# without a rebuilt Image, or another toolchain or source version than the ones
# in versions.txt).
#
# Takes as long as a full build (kernel, musl and BusyBox: several minutes) and
# ~1.6 GB in $TMPDIR; fetches the busybox and musl source packages.
#
# The committed Image was built from the package versions in versions.txt (the
# installed toolchain and kernel source, and the busybox and musl source
# packages that build.sh fetched). When Debian has moved on (a security update
# of linux-source-6.1, busybox or musl), the bytes cannot match: then the
# rebuilt Image is still booted, and the comparison is reported as not
# applicable instead of failed.
set -euo pipefail

case "${BASH_SOURCE[0]}" in
    */*) here="${BASH_SOURCE[0]%/*}" ;;
    *)   here=. ;;
esac
here="$(cd -- "$here" && pwd)"
committed="$here/../bin/linux-rv32imac.Image"
[ -f "$committed" ] || { echo "check.sh: no $committed to compare with" >&2; exit 1; }

tmp="$(mktemp -d "${TMPDIR:-/tmp}/minivisor-linux-check.XXXXXX")"
trap 'rm -rf -- "$tmp"' EXIT

if ! MINIVISOR_LINUX_BUILD="$tmp/build" bash "$here/build.sh" "$tmp/Image"; then
    echo "check.sh: FAILED: the build itself failed (see above)" >&2
    exit 1
fi

# Boot the rebuilt kernel on minivisor and talk to its shell (needs `npm run build` first).
repo="$here/../.."
if [ -f "$repo/dist/cli/main.js" ]; then
    out="$( (sleep 4; printf 'uname -a; busybox | head -1\n'; sleep 2; printf 'poweroff\n'; sleep 8) |
        node "$repo/bin/minivisor.js" run --kernel "$tmp/Image" --timeout 40 2>&1 || true)"
    if printf '%s' "$out" | grep -q 'Linux minivisor 6.1' && printf '%s' "$out" | grep -q 'BusyBox v1' &&
        printf '%s' "$out" | grep -q 'reboot: Power down'; then
        echo "check.sh: the rebuilt Image boots on minivisor, answers uname -a and powers off"
    else
        echo "check.sh: FAILED: the rebuilt Image did not boot to its shell on minivisor:" >&2
        printf '%s\n' "$out" | tail -20 >&2
        exit 1
    fi
fi

installed="$( (dpkg-query -W -f='${Package} ${Version}\n' linux-source-6.1 gcc-12-riscv64-linux-gnu \
    binutils-riscv64-linux-gnu gcc-riscv64-unknown-elf 2>/dev/null; cat "$tmp/build/sources.txt") | sort || true)"
if [ "$installed" != "$(cat "$here/versions.txt")" ]; then
    echo "check.sh: the installed packages differ from those the committed Image was built with;"
    echo "  byte comparison not applicable. Installed:"; printf '%s\n' "$installed" | sed 's/^/    /'
    echo "  Committed Image built with:"; sed 's/^/    /' "$here/versions.txt"
    exit 0
fi

if cmp -s -- "$tmp/Image" "$committed"; then
    echo "check.sh: OK: a fresh build is identical to guests/bin/linux-rv32imac.Image" \
         "($(stat -c %s -- "$committed") bytes)"
    exit 0
fi

echo "check.sh: MISMATCH: a fresh build differs from guests/bin/linux-rv32imac.Image" >&2
echo "  committed: $(stat -c %s -- "$committed") bytes, sha256 $(sha256sum -- "$committed" | cut -d' ' -f1)" >&2
echo "  rebuilt:   $(stat -c %s -- "$tmp/Image") bytes, sha256 $(sha256sum -- "$tmp/Image" | cut -d' ' -f1)" >&2
echo "  first differences (offset, committed, rebuilt, octal):" >&2
cmp -l -- "$committed" "$tmp/Image" 2>/dev/null | head -5 | sed 's/^/    /' >&2 || true
echo "  Rebuild with guests/linux/build.sh and commit the Image, or check the toolchain" >&2
echo "  (riscv64-linux-gnu-gcc, binutils) and linux-source-6.1 versions against README.md." >&2
exit 1
