# Bytecode at build time, sourced by the Python builders (wheel.sh, host-cpython.sh, debian.sh for
# the interpreter): every .py under the given directories gets its __pycache__/*.pyc, compiled
# by the interpreter that will run it, so that no start compiles anything (images set
# PYTHONDONTWRITEBYTECODE=1, and the store is read-only anyway).
#
# As nixpkgs' Python builds: SOURCE_DATE_EPOCH set (stdenv sets 315532800), so compileall
# writes checked-hash .pyc (PEP 552: validated by the source's hash, no timestamps), and
# PYTHONHASHSEED=0 (python's setup-hook), so set and frozenset constants marshal in one order:
# the same sources give byte-identical .pyc. Optimisation level 0 only: the images never run
# python -O (nixpkgs' installer writes levels 0 and 1). Files that do not compile (Python 2
# leftovers, templates named .py) are listed and left without bytecode, as installers do.
#
# Sources naming the output's own path ($out: a stdlib script's shebang, _sysconfigdata) keep no
# bytecode: Nix without a sandbox builds a path that already exists (`nix-build --check`) at
# another path and rewrites that path afterwards, so a hash taken over the text at build time
# would differ from the same build's first run. Python compiles those few in memory at import.
#
#   compileBytecode PYTHON DIR...
compileBytecode() {
    local py=$1 top=${NIX_BUILD_TOP:-/tmp}
    local log=$top/compileall.log
    shift
    find "$@" -name '*.py' -type f | LC_ALL=C sort > "$top/py-sources"
    tr '\n' '\0' < "$top/py-sources" | xargs -0 -r grep -lF -- "$out" > "$top/py-self" || true
    # (busybox grep -v -f with an empty pattern file drops every line, hence the test)
    if [ -s "$top/py-self" ]; then grep -vxF -f "$top/py-self" "$top/py-sources" > "$top/py-compile" || true; else cp "$top/py-sources" "$top/py-compile"; fi
    # compileall with an empty list would compile its own sys.path instead
    [ -s "$top/py-compile" ] || return 0
    SOURCE_DATE_EPOCH=315532800 PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE= "$py" -s -m compileall -q -f -i - < "$top/py-compile" > "$log" 2>&1 || {
        grep -o '^\*\*\* Error compiling .*' "$log" | sed 's/^/note: no bytecode: /' >&2 || true
    }
    # The interpreter must have run: some bytecode where there is source.
    if [ -n "$(find "$@" -name '*.py' -type f -print -quit)" ] && [ -z "$(find "$@" -name '*.pyc' -type f -print -quit)" ]; then
        cat "$log" >&2
        echo "error: $py compiled no bytecode in $*" >&2
        return 1
    fi
}
