# `makeWrapper ORIGINAL WRAPPER FLAGS…` as a busybox-sh function: writes WRAPPER, a script for the
# store busybox sh that adjusts the environment and execs ORIGINAL. Flags and meaning as in
# nixpkgs' pkgs/build-support/setup-hooks/make-wrapper.sh (makeShellWrapper):
#   --set VAR VAL  --set-default VAR VAL  --unset VAR  --prefix VAR SEP VAL  --suffix VAR SEP VAL
#   --add-flags FLAGS  --append-flags FLAGS  --chdir DIR  --run CMD  --argv0 NAME  --inherit-argv0
#   --resolve-argv0 (a script's $0 is already the path it was run by, so this changes nothing here)
# Unknown flags are an error, as in nixpkgs.
_mw_quote() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }

makeWrapper() {
    local original="$1" wrapper="$2" argv0= flags= aflags= v s x
    shift 2
    [ -x "$original" ] || { echo "makeWrapper: $original is not executable" >&2; return 1; }
    {
        echo "#!$wrapperShell"
        while [ $# -gt 0 ]; do
            case "$1" in
                --set) echo "export $2=$(_mw_quote "$3")"; shift 3 ;;
                --set-default) echo "export $2=\"\${$2-$(_mw_quote "$3")}\""; shift 3 ;;
                --unset) echo "unset $2"; shift 2 ;;
                --prefix)
                    v=$2; s=$(_mw_quote "$3"); x=$(_mw_quote "$4")
                    echo "export $v=$x\${$v:+$s}\${$v-}"
                    shift 4 ;;
                --suffix)
                    v=$2; s=$(_mw_quote "$3"); x=$(_mw_quote "$4")
                    echo "export $v=\${$v-}\${$v:+$s}$x"
                    shift 4 ;;
                --add-flags) flags="$flags $2"; shift 2 ;;
                --append-flags) aflags="$aflags $2"; shift 2 ;;
                --chdir) echo "cd $(_mw_quote "$2")"; shift 2 ;;
                --run) echo "$2"; shift 2 ;;
                --argv0) argv0=$(_mw_quote "$2"); shift 2 ;;
                --inherit-argv0) argv0='"$0"'; shift ;;
                --resolve-argv0) shift ;;
                *) echo "makeWrapper: unknown flag $1" >&2; return 1 ;;
            esac
        done
        if [ -n "$argv0" ]; then
            echo "exec -a $argv0 $(_mw_quote "$original")$flags \"\$@\"$aflags"
        else
            echo "exec $(_mw_quote "$original")$flags \"\$@\"$aflags"
        fi
    } > "$wrapper"
    chmod 555 "$wrapper"
}
