# nixpkgs' substituteInPlace (pkgs/stdenv/generic/setup.sh: substitute, substituteInPlace), for
# busybox sh: `substituteInPlace FILE... --replace-fail FROM TO ...` replaces every occurrence of
# the literal FROM by TO in each FILE, failing when FROM is not there; `--replace-warn` (and the
# deprecated `--replace`) only warn, `--replace-quiet` says nothing. Sourced by the postInstall
# of offline buildPythonPackage packages (python/wheels.nix); `--subst-var` and friends are not
# offered and fail. FROM and TO are literal and within one line (as every use here).

# substituteInPlace FILE... (--replace-fail|--replace-warn|--replace-quiet|--replace FROM TO)...
substituteInPlace() {
    _files=
    while [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; do
        [ -f "$1" ] && [ ! -L "$1" ] || { echo "substituteInPlace: $1 is not a file" >&2; return 1; }
        _files="$_files$1
"
        shift
    done
    [ -n "$_files" ] || { echo "substituteInPlace: no file given" >&2; return 1; }
    while [ $# -gt 0 ]; do
        case "$1" in
            --replace-fail | --replace-warn | --replace-quiet | --replace) ;;
            *)
                echo "substituteInPlace: $1 is not supported by the offline package set (it has --replace-fail, --replace-warn, --replace-quiet, --replace)" >&2
                return 1
                ;;
        esac
        [ $# -ge 3 ] || { echo "substituteInPlace: $1 needs FROM and TO" >&2; return 1; }
        _mode=$1 _from=$2 _to=$3
        shift 3
        _rest=$_files
        while [ -n "$_rest" ]; do
            _f=${_rest%%
*}
            _rest=${_rest#*
}
            _rc=0
            FROM=$_from TO=$_to awk '
                BEGIN { from = ENVIRON["FROM"]; to = ENVIRON["TO"] }
                { s = $0; out = ""
                  while (from != "" && (i = index(s, from)) > 0) { out = out substr(s, 1, i - 1) to; s = substr(s, i + length(from)); n++ }
                  print out s }
                END { if (!n) exit 3 }' "$_f" > "$_f.subst" || _rc=$?
            if [ "$_rc" = 0 ]; then
                cat "$_f.subst" > "$_f"
            elif [ "$_rc" = 3 ]; then
                case "$_mode" in
                    --replace-fail)
                        echo "substituteInPlace: pattern $_from doesn't match anything in file '$_f'" >&2
                        rm -f "$_f.subst"
                        return 1
                        ;;
                    --replace-quiet) ;;
                    *) echo "substituteInPlace: warning: pattern $_from doesn't match anything in file '$_f'" >&2 ;;
                esac
            else
                rm -f "$_f.subst"
                return 1
            fi
            rm -f "$_f.subst"
        done
    done
}
