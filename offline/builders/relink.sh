# Points every ELF below a store path at the store: the store glibc's loader as interpreter and a
# RUNPATH with exactly the store directories that hold its NEEDED libraries. Sourced by the
# builders (debian.sh, wheel.sh, host-cpython.sh); busybox sh.
#
# relinkElves OUT LOADER SEARCHDIRS... : every ELF under OUT (shared objects by name, executables
# by mode) gets
#  - the interpreter LOADER, if it has one (dynamically linked executables);
#  - a RUNPATH made of its $ORIGIN entries (kept: auditwheel's `$ORIGIN/../numpy.libs`,
#    Octave's), the store directories a host RUNPATH entry maps to (see hostRpathDirs), and the
#    first of SEARCHDIRS holding each NEEDED library not found through those $ORIGIN entries.
#    A NEEDED library found nowhere fails the build: nothing may resolve from the host at run
#    time. So the references between store paths are the real run-time ones.
# Executables get DT_RPATH rather than DT_RUNPATH: the loader only searches the host's /lib and
# /usr/lib by default, and when libc itself dlopens a library (libgcc_s.so.1 for pthread_exit/
# pthread_cancel unwinding -- Python exits daemon threads that way at shutdown) the executable's
# DT_RPATH is the only store directory in the search; without it the process aborts with
# "libgcc_s.so.1 must be installed for pthread_exit to work".
#
# Needs: $patchelf (the program), $tmp (scratch directory). Optional hooks, defined by the caller:
#   relinkSkip FILE      -- return 0 to leave FILE as it is (glibc's loader and libc)
#   hostRpathDirs ENTRY  -- print store directories standing in for a host RUNPATH entry
relinkElves() {
    local out="$1" loader="$2" f m oldRpath rpathFlag rpath originDirs ownDirs entry lib hit sd d dir
    shift 2
    local searchDirs="$*"
    local elfMagic
    elfMagic="$(printf '\177ELF')"
    find "$out" -type f \( -name '*.so' -o -name '*.so.*' -o -perm -0100 \) > "$tmp/elf-candidates"
    while IFS= read -r f; do
        m=
        IFS= read -r -n 4 m < "$f" || true
        [ "$m" = "$elfMagic" ] || continue
        # Only x86-64 objects are loaded here; others (debugpy's 32-bit attach helper) are
        # left as they are.
        if [ "$(od -An -tx1 -j4 -N1 "$f" | tr -d ' ')" != 02 ] || [ "$(od -An -tx1 -j18 -N2 "$f" | tr -d ' ')" != 3e00 ]; then
            echo "note: ${f#$out/} is not an x86-64 ELF object; left as it is" >&2
            continue
        fi
        if command -v relinkSkip > /dev/null && relinkSkip "$f"; then continue; fi
        # Statically linked: no dynamic section, nothing to point anywhere.
        oldRpath=$("$patchelf" --print-rpath "$f" 2> /dev/null) || continue
        chmod u+w "$f"
        rpathFlag=
        if "$patchelf" --print-interpreter "$f" > /dev/null 2>&1; then
            "$patchelf" --set-interpreter "$loader" "$f"
            rpathFlag=--force-rpath
        fi
        rpath=
        originDirs=
        ownDirs=
        dir=${f%/*}
        for entry in $(echo "$oldRpath" | tr ':' ' '); do
            case "$entry" in
                '$ORIGIN'* | '${ORIGIN}'*)
                    rpath="$rpath:$entry"
                    case "$entry" in
                        '$ORIGIN'*) originDirs="$originDirs $dir${entry#\$ORIGIN}" ;;
                        *) originDirs="$originDirs $dir${entry#\$\{ORIGIN\}}" ;;
                    esac
                    ;;
                /*)
                    if command -v hostRpathDirs > /dev/null; then
                        ownDirs="$ownDirs $(hostRpathDirs "$entry")"
                    fi
                    ;;
            esac
        done
        for lib in $("$patchelf" --print-needed "$f"); do
            hit=
            for sd in $originDirs; do
                if [ -e "$sd/$lib" ]; then hit=origin; break; fi
            done
            [ -n "$hit" ] && continue
            for sd in $ownDirs $searchDirs; do
                if [ -e "$sd/$lib" ]; then hit=$sd; break; fi
            done
            if [ -z "$hit" ]; then
                # Shipped next to the object, without an $ORIGIN entry: the wheel relied on the
                # DT_RPATH of the object loading this one, which a RUNPATH does not pass on.
                if [ -e "$dir/$lib" ]; then
                    case ":$rpath:" in *':$ORIGIN:'*) ;; *) rpath="$rpath:\$ORIGIN" ;; esac
                    continue
                fi
                die "${f#$out/} needs $lib, which no dependency of ${name} provides (searched: $ownDirs $searchDirs)"
            fi
            case ":$rpath:" in *":$hit:"*) ;; *) rpath="$rpath:$hit" ;; esac
        done
        rpath=${rpath#:}
        if [ -n "$rpath" ]; then
            "$patchelf" $rpathFlag --set-rpath "$rpath" "$f"
        elif [ -n "$oldRpath" ]; then
            "$patchelf" --remove-rpath "$f"
        fi
    done < "$tmp/elf-candidates"
}

# libDirsOf DIR... : the library directories of store paths, as the builders search them: lib/
# and every lib/<sub>/ holding shared objects (Debian's lib/blas/, ...), then the extra
# directories named in $libDirs (relative to each path, e.g. R's lib/R/lib). Prints them.
libDirsOf() {
    local d s x
    for d in "$@"; do
        for x in ${libDirs:-}; do
            if [ -d "$d/$x" ]; then printf '%s\n' "$d/$x"; fi
        done
        [ -d "$d/lib" ] || continue
        printf '%s\n' "$d/lib"
        for s in "$d"/lib/*/; do
            s=${s%/}
            case "${s##*/}" in python* | '*') continue ;; esac
            set -- "$s"/*.so*
            if [ -e "$1" ]; then printf '%s\n' "$s"; fi
        done
    done
}
