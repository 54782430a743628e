# Points the shebangs of executable scripts at the store, as nixpkgs' patchShebangs does in its
# fixupPhase. Sourced by the builders (debian.sh, wheel.sh, host-cpython.sh); busybox sh.
#
# patchShebangs LIST PYTHON SH OTHER : for each file named in LIST (one path a line) that starts
# with `#!`, a Python interpreter (python, python3, python3.*, directly or through
# /usr/bin/env) becomes PYTHON and a POSIX shell (sh, dash) becomes SH, the arguments kept. An
# interpreter already in the store is left. Any other one, or a shell when SH is empty, is
# reported and then, by OTHER: `keep` leaves the file as it is, `unexec` removes its executable
# bit (a helper script never run from the installed package keeps no host interpreter path).
#
# Needs: $out (for the report's paths), $tmp (scratch directory).
patchShebangs() {
    local list="$1" python="$2" sh="$3" other="$4" f m line interp new
    while IFS= read -r f; do
        m=
        IFS= read -r -n 2 m < "$f" || true
        [ "$m" = "#!" ] || continue
        IFS= read -r line < "$f" || true
        set -f
        set -- ${line#\#!}
        set +f
        interp=${1:-}
        if [ $# -gt 0 ]; then shift; fi
        if [ "$interp" = /usr/bin/env ] && [ $# -gt 0 ]; then interp=$1; shift; fi
        case "$interp" in /nix/store/*) continue ;; esac
        case "${interp##*/}" in
            python | python3 | python3.*) new=$python ;;
            sh | dash) new=$sh ;;
            *) new= ;;
        esac
        if [ -z "$new" ]; then
            if [ "$other" = unexec ]; then
                echo "note: ${f#$out/}: shebang $line: not an interpreter of this set, executable bit removed" >&2
                chmod a-x "$f"
            else
                echo "note: ${f#$out/}: shebang $line left as it is" >&2
            fi
            continue
        fi
        { printf '#!%s%s\n' "$new" "${*:+ $*}"; tail -n +2 "$f"; } > "$tmp/shebang"
        cat "$tmp/shebang" > "$f"
    done < "$list"
}
