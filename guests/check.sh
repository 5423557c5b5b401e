#!/usr/bin/env bash
# check.sh - rebuild every guest into a temporary directory and compare with
# the prebuilt ELFs in guests/bin.  Exit 0 if they are byte-identical and the
# same set; exit 1 naming each ELF that differs, is missing or is extra (then
# run guests/build.sh and commit guests/bin).  Uses the same CC/LD as build.sh.
set -euo pipefail

case "${BASH_SOURCE[0]}" in
    */*) here="${BASH_SOURCE[0]%/*}" ;;
    *)   here=. ;;
esac
here="$(cd -- "$here" && pwd)" || { echo "check.sh: cannot find the guests directory" >&2; exit 1; }
bin="$here/bin"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/guests-check.XXXXXX")"
trap 'rm -rf -- "$tmp"' EXIT

if ! bash "$here/build.sh" "$tmp" >"$tmp/build.log" 2>&1; then
    cat "$tmp/build.log" >&2
    rm -f -- "$tmp/build.log"
    echo "check.sh: the build failed" >&2
    exit 1
fi
rm -f -- "$tmp/build.log"

bad=()
for f in "$tmp"/*.elf; do
    name="$(basename -- "$f")"
    if [ ! -e "$bin/$name" ]; then
        bad+=("$name (missing from guests/bin)")
    elif ! cmp -s -- "$f" "$bin/$name"; then
        bad+=("$name (differs)")
    fi
done
for f in "$bin"/*.elf; do
    [ -e "$f" ] || continue
    name="$(basename -- "$f")"
    [ -e "$tmp/$name" ] || bad+=("$name (extra: no guest builds it)")
done

if [ "${#bad[@]}" -ne 0 ]; then
    echo "check.sh: guests/bin is not what the sources build:" >&2
    printf '  %s\n' "${bad[@]}" >&2
    echo "rebuild with: bash guests/build.sh" >&2
    exit 1
fi
echo "check.sh: all $(ls "$tmp"/*.elf | wc -l) guest ELFs match their sources"
