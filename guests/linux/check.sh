#!/usr/bin/env bash
# check.sh - rebuild the Linux guest from scratch in a temporary directory and
# compare it byte for byte with the committed guests/bin/linux-rv32imac.Image.
#
# Exit 0: identical.  Exit 1: the build failed or the bytes differ (a changed
# source, fragment or init without a rebuilt Image, or another toolchain or
# linux-source-6.1 version than the one in README.md).
#
# Takes as long as a full build (a few minutes) and ~1.5 GB in $TMPDIR.
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
