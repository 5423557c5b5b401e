# toolchain.sh - sourced by the guest build scripts: sets $cc and $ld to Debian's clang-16 and
# ld.lld-16 (or plain clang/ld.lld, or $CC/$LD when set). The caller defines die().

# First of the candidate names that is an executable on PATH (or a path).
find_tool() {
    local c
    for c in "$@"; do
        if command -v -- "$c" >/dev/null 2>&1; then
            command -v -- "$c"
            return 0
        fi
    done
    return 1
}
if [ -n "${CC:-}" ]; then
    cc="$(find_tool "$CC")" || die "CC='$CC' is not an executable"
else
    cc="$(find_tool clang-16 clang)" || die "no clang found (tried clang-16, clang); set CC"
fi
if [ -n "${LD:-}" ]; then
    ld="$(find_tool "$LD")" || die "LD='$LD' is not an executable"
else
    ld="$(find_tool ld.lld-16 ld.lld)" || die "no lld found (tried ld.lld-16, ld.lld); set LD"
fi
