# Builder of one store path made from installed Debian packages (see debian.nix), run by the store
# busybox `sh -e`. The Nix sandbox is off on these machines, so it reads the host's files directly;
# which files, and what their contents must be, comes from dpkg's own records passed in as store
# copies (dpkgLists, dpkgMd5sums).
#
# Environment (set by debian.nix):
#   out, kind (glibc|interpreter|native|R|r|octave|jdk), dpkgLists, dpkgMd5sums, depPaths (dependency
#   store paths, nearest first), glibc (store path of the loader; empty for the glibc group
#   itself), patchelf (binary), sitePackages / pythonLibDir (e.g. lib/python3.11/site-packages),
#   excludePaths,
#   binFiles, sitecustomize, shell (the store busybox sh), libDirs (library directories below
#   lib/ that a launcher puts on LD_LIBRARY_PATH, searched for NEEDED libraries too).
set -e
set -o pipefail
export LC_ALL=C

tmp=$NIX_BUILD_TOP
die() { echo "error: $*" >&2; exit 1; }
mkdir -p "$out"

# --- 1. Which host files go where ------------------------------------------------------------
# Debian 12 is merged-/usr: dpkg may list /lib/... for what lives in /usr/lib/...
normalize() {
    case "$1" in
        /lib | /lib/* | /lib64/* | /bin/* | /sbin/*) n=/usr$1 ;;
        *) n=$1 ;;
    esac
}
# Sets $dest to the path under $out for host path $1 (normalised), or "" to leave it out.
# Layout follows nixpkgs: lib/ for shared libraries (the multiarch directory is flattened),
# lib/python3.X/site-packages for Debian's dist-packages, lib/R and library/ for R, share/ for
# data. Left out: docs, man pages, lintian/bug-reporting files, translations and other files whose
# compiled-in /usr paths nothing in a store path would look up (glibc's gconv modules,
# /usr/lib/locale, /etc).
mapPath() {
    dest=
    for x in $excludePaths; do
        case "$1" in "$x" | "$x"/*) return 0 ;; esac
    done
    case "$1" in
        /usr/lib/x86_64-linux-gnu/gconv | /usr/lib/x86_64-linux-gnu/gconv/*) ;;
        # The JDK (kind "jdk"): its home is lib/openjdk, as in nixpkgs' openjdk; the
        # configuration Debian keeps in /etc/java-NN-openjdk goes to lib/openjdk/etc.
        /usr/lib/jvm/java-*-openjdk-amd64/*) [ "$kind" != jdk ] || dest=lib/openjdk/${1#/usr/lib/jvm/*/} ;;
        /etc/java-*-openjdk/*) [ "$kind" != jdk ] || dest=lib/openjdk/etc/${1#/etc/*/} ;;
        /usr/lib/x86_64-linux-gnu/*) dest=lib/${1#/usr/lib/x86_64-linux-gnu/} ;;
        /usr/lib/python3/dist-packages/*) dest=$sitePackages/${1#/usr/lib/python3/dist-packages/} ;;
        # R: R_HOME is lib/R as in nixpkgs' R; each R package's files go to library/<name>, where
        # nixpkgs' R packages have them (rWrapper puts those directories on R_LIBS_SITE).
        /usr/lib/R/site-library/*) dest=library/${1#/usr/lib/R/site-library/} ;;
        /usr/lib/R/*) dest=lib/R/${1#/usr/lib/R/} ;;
        # a few libraries sit in /usr/lib itself (GraphicsMagick's)
        /usr/lib/lib*.so*)
            case "${1#/usr/lib/}" in */*) ;; *) dest=lib/${1#/usr/lib/} ;; esac
            ;;
        /usr/"$pythonLibDir"/*) dest=${1#/usr/} ;;
        /usr/share/doc/* | /usr/share/man/* | /usr/share/info/* | /usr/share/lintian/* | \
            /usr/share/bug/* | /usr/share/doc-base/* | /usr/share/locale/* | /usr/share/menu/* | \
            /usr/share/applications/* | /usr/share/pixmaps/* | /usr/share/icons/* | \
            /usr/share/metainfo/* | /usr/share/bash-completion/* | /usr/share/zsh/* | \
            /usr/share/gdb/* | /usr/share/debhelper/* | /usr/share/python3/* | \
            /usr/share/apport/* | /usr/share/mime/* | /usr/share/gcc/* | /usr/share/binfmts/* | \
            /usr/share/perl5/* | /usr/share/pkgconfig/*) ;;
        /usr/share/*) dest=${1#/usr/} ;;
        *)
            for x in $binFiles; do
                if [ "$1" = "$x" ]; then dest=bin/${1##*/}; fi
            done
            ;;
    esac
}

: > "$tmp/files"; : > "$tmp/links"; : > "$tmp/all"
for list in $dpkgLists; do
    while IFS= read -r p; do
        [ "$p" = /. ] && continue
        normalize "$p"
        printf '%s\n' "$n" >> "$tmp/all"
        mapPath "$n"
        [ -n "$dest" ] || continue
        if [ -L "$p" ]; then
            printf '%s\t%s\n' "$p" "$dest" >> "$tmp/links"
        elif [ -d "$p" ]; then
            : # directories are created as parents of what they contain (no empty ones)
        elif [ -f "$p" ]; then
            printf '%s\t%s\n' "$p" "$dest" >> "$tmp/files"
        else
            die "$p is listed by dpkg ($list) but missing on this machine"
        fi
    done < "$list"
done

# --- 2. The host files must be the ones dpkg installed ----------------------------------------
if [ -n "$dpkgMd5sums" ]; then
    cut -f1 "$tmp/files" | sed 's|^/||' > "$tmp/want"
    awk 'NR == FNR { want[$0] = 1; next } (substr($0, 35) in want)' "$tmp/want" $dpkgMd5sums > "$tmp/check"
    if [ -s "$tmp/check" ] && ! (cd / && md5sum -c -s "$tmp/check"); then
        (cd / && md5sum -c "$tmp/check" 2>&1 | grep -v ': OK$' >&2) || true
        die "host files differ from the checksums dpkg recorded (reinstall the Debian package)"
    fi
fi

# --- 3. Copy regular files, one cp per destination directory ----------------------------------
{ cut -f2 "$tmp/files"; cut -f2 "$tmp/links"; } | sed -e 's|/[^/]*$||' -e 't' -e 's|.*||' \
    | sort -u | awk -v o="$out" 'length($0) { print o "/" $0 }' | tr '\n' '\0' | xargs -0 -r mkdir -p
awk -F'\t' '{ d = $2; sub(/\/[^\/]*$/, "", d); if (d == $2) d = ""; print d "\t" $1 }' "$tmp/files" \
    | sort -t "$(printf '\t')" -k1,1 -s \
    | awk -F'\t' -v o="$out" '
        function q(s) { gsub(/\047/, "\047\\\047\047", s); return "\047" s "\047" }
        function flush() { if (cmd != "") print cmd " " q(o "/" cur) }
        $1 != cur || cmd == "" { flush(); cur = $1; cmd = "cp -p --" }
        { cmd = cmd " " q($2) }
        END { flush() }' > "$tmp/copy.sh"
. "$tmp/copy.sh"

# --- 4. Symlinks: inside this store path, into a dependency's, or copied as a last resort -----
# Lexical resolution of "$dir/$text" (no host lookups: the host layout is not the store layout).
canon() {
    local IFS=/ c res=
    set -f
    for c in $1; do
        case "$c" in
            '' | .) ;;
            ..) res=${res%/*} ;;
            *) res=$res/$c ;;
        esac
    done
    set +f
    canon=${res:-/}
}
# Relative path from the directory holding $1 to $2 (both relative to $out).
relpath() {
    local a b ca cb up=
    case "$1" in */*) a=${1%/*} ;; *) a= ;; esac
    b=$2
    while [ -n "$a" ]; do
        ca=${a%%/*}; cb=${b%%/*}
        if [ "$ca" = "$cb" ] && [ "$b" != "$cb" ]; then
            case "$a" in */*) a=${a#*/} ;; *) a= ;; esac
            b=${b#*/}
        else
            break
        fi
    done
    while [ -n "$a" ]; do
        up=../$up
        case "$a" in */*) a=${a#*/} ;; *) a= ;; esac
    done
    rel=$up$b
}

while IFS="$(printf '\t')" read -r p ldest; do
    t=$(readlink "$p")
    case "$t" in
        /*) canon "$t" ;;
        *) canon "${p%/*}/$t" ;;
    esac
    normalize "$canon"
    mapPath "$n"
    # \037 separates fields: $dest may be empty, and an empty field between tabs would vanish
    # (tab is IFS white space).
    printf '%s\037%s\037%s\037%s\n' "$p" "$ldest" "$n" "$dest"
done < "$tmp/links" > "$tmp/links2"

awk -F'\037' 'NR == FNR { own[$0] = 1; next } { print $0 "\037" (($3 in own) ? "own" : "ext") }' \
    "$tmp/all" "$tmp/links2" > "$tmp/links3"

while IFS="$(printf '\037')" read -r p ldest target tdest where; do
    if [ -n "$tdest" ] && [ "$where" = own ]; then
        relpath "$ldest" "$tdest"
        ln -s "$rel" "$out/$ldest"
        continue
    fi
    found=
    if [ -n "$tdest" ]; then
        for d in $depPaths; do
            if [ -e "$d/$tdest" ] || [ -L "$d/$tdest" ]; then found=$d/$tdest; break; fi
        done
    fi
    if [ -n "$found" ]; then
        ln -s "$found" "$out/$ldest"
    elif [ -z "$tdest" ]; then
        # Into /etc or another unmapped place: machine-local configuration (e.g. tzdata's
        # localtime -> /etc/localtime), not package content.
        echo "note: dropping $p -> $target (outside the package layout)" >&2
    elif [ -e "$p" ]; then
        # The target belongs to no dependency: keep its content.
        echo "note: $p -> $target: target not in any dependency, copying it" >&2
        cp -RL "$p" "$out/$ldest"
    else
        echo "note: dropping dangling symlink $p -> $target" >&2
    fi
done < "$tmp/links3"

# --- 4b. Literal substitutions (hard-coded host paths in copied files), each must apply -----
tab="$(printf '\t')"
while IFS="$tab" read -r sfile sfrom sto; do
    [ -n "$sfile" ] || continue
    [ -f "$out/$sfile" ] && [ ! -L "$out/$sfile" ] || die "substitution target $sfile is not a file"
    awk -v from="$sfrom" -v to="$sto" '
        { out = ""; s = $0
          while ((i = index(s, from)) > 0) { out = out substr(s, 1, i - 1) to; s = substr(s, i + length(from)); n++ }
          print out s }
        END { if (!n) exit 3 }' "$out/$sfile" > "$tmp/subst" || die "\"$sfrom\" not found in $sfile"
    cat "$tmp/subst" > "$out/$sfile"
done < "$substitutionsPath"

# --- 4c. Shebangs of executable scripts, as nixpkgs' patchShebangs does in fixupPhase -------
# Python interpreters (/usr/bin/python3.11, /usr/bin/env python3, ...) -> the store interpreter;
# POSIX shells (/bin/sh, /bin/dash) -> the store busybox sh. Anything else is left and reported.
storeSh=$shell
case "$kind" in
    interpreter) storePython=$out/bin/${pythonLibDir#lib/} ;;
    *) storePython= ;;
esac
find "$out" -type f -perm -0100 > "$tmp/executables"
. "$patchShebangsSh"
patchShebangs "$tmp/executables" "$storePython" "$storeSh" keep

# --- 5. Point every ELF at the store: interpreter and RUNPATH (builders/relink.sh) ---------
# A NEEDED library is looked up in lib/ (and lib/*/, e.g. Debian's lib/blas/) of this path and
# of the dependencies, nearest first; a NEEDED library found nowhere fails the build instead of
# silently resolving from the host at run time.
. "$relinkSh"
# The loader and libc are taken as they are.
relinkSkip() {
    [ "$kind" = glibc ] || return 1
    case "${1##*/}" in ld-linux-x86-64.so.2 | libc.so.6) return 0 ;; esac
    return 1
}
# A host RUNPATH entry (octave-cli: /usr/lib/x86_64-linux-gnu/octave/7.3.0): the same directory
# in this store path or a dependency's is searched first.
hostRpathDirs() {
    local d
    normalize "$1"
    mapPath "$n"
    [ -n "$dest" ] || return 0
    for d in "$out" $depPaths; do
        if [ -d "$d/$dest" ]; then printf '%s ' "$d/$dest"; fi
    done
}
relinkElves "$out" "${glibc:-$out}/lib/ld-linux-x86-64.so.2" $(libDirsOf "$out" $depPaths)

# --- 6. Per kind ----------------------------------------------------------------------------
case "$kind" in
    interpreter)
        # nixpkgs' python has bin/python3 and bin/python next to bin/python3.X.
        ln -s "${pythonLibDir#lib/}" "$out/bin/python3"
        ln -s "${pythonLibDir#lib/}" "$out/bin/python"
        mkdir -p "$out/$sitePackages"
        cp "$sitecustomize" "$out/$pythonLibDir/sitecustomize.py"
        # The standard library's bytecode, by this interpreter (builders/bytecode.sh).
        . "$bytecodeSh"
        compileBytecode "$storePython" "$out/$pythonLibDir"
        ;;
    R)
        # nixpkgs' R has bin/R and bin/Rscript beside R_HOME (lib/R). bin/R is R's front-end
        # script (its directories were substituted, see debian.nix); Rscript is an ELF with
        # Debian's R_HOME compiled in, which it takes from RHOME instead when that is set.
        wrapperShell=$shell
        . "$makeWrapperSh"
        mkdir -p "$out/bin"
        ln -s ../lib/R/bin/R "$out/bin/R"
        makeWrapper "$out/lib/R/bin/Rscript" "$out/bin/Rscript" --set RHOME "$out/lib/R"
        # etc/: Debian links R's configuration to /etc/R (machine state). Renviron is Debian's
        # template for it (substituted, see debian.nix); ldpaths as R's etc/ldpaths.in writes it,
        # without the Java part (no JVM here).
        mv "$out/lib/R/etc/Renviron.ucf" "$out/lib/R/etc/Renviron"
        # Sys.which runs `which`, compiled in as /usr/bin/which (in base's byte-compiled code,
        # which no text substitution reaches); utils needs it at load (.osVersion: Sys.which
        # ("uname")), so R fails to start where /usr/bin/which is missing, as FROM scratch. The
        # system profile runs in base before base is locked: it points Sys.which at the store
        # busybox's `which` (nixpkgs' R has the store path of its `which` package compiled in).
        cat >> "$out/lib/R/library/base/R/Rprofile" <<RPROFILE

## offline-pkgs (offline/builders/debian.sh): Sys.which uses the store's which.
local({
    swap <- function(e) if (is.call(e)) as.call(lapply(e, swap)) else if (identical(e, "/usr/bin/which")) "${shell%/sh}/which" else e
    f <- get("Sys.which", envir = baseenv())
    body(f) <- swap(body(f))
    assign("Sys.which", f, envir = baseenv())
})
RPROFILE
        cat > "$out/lib/R/etc/ldpaths" <<'LDPATHS'
: ${R_LD_LIBRARY_PATH=${R_HOME}/lib}
if test -z "${LD_LIBRARY_PATH}"; then
  LD_LIBRARY_PATH="${R_LD_LIBRARY_PATH}"
else
  LD_LIBRARY_PATH="${R_LD_LIBRARY_PATH}:${LD_LIBRARY_PATH}"
fi
export LD_LIBRARY_PATH
LDPATHS
        ;;
    jdk)
        # nixpkgs' openjdk links bin/ to the home's bin/ (the launcher finds its home through
        # /proc/self/exe, so lib/openjdk/bin/java is what runs). The host's lib/jvm.cfg link is
        # into /etc (now lib/openjdk/etc); the JVM must start from the store alone.
        ln -s lib/openjdk/bin "$out/bin"
        [ -e "$out/lib/openjdk/lib/jvm.cfg" ] || die "lib/openjdk/lib/jvm.cfg is missing"
        [ -e "$out/lib/openjdk/lib/server/libjvm.so" ] || die "lib/openjdk/lib/server/libjvm.so is missing"
        ;;
    octave)
        # Octave finds its m-files, .oct files and docstrings below OCTAVE_HOME (compiled in as
        # /usr; Debian's libdir part is lib/x86_64-linux-gnu, flattened to lib/ here, so that name
        # points back at lib/). bin/octave-cli sets OCTAVE_HOME and runs the real program, kept
        # as bin/.octave-cli-wrapped (makeWrapper's naming); bin/octave is the same program:
        # without the Qt GUI, nixpkgs' `octave` runs the command-line interpreter too.
        ln -s . "$out/lib/x86_64-linux-gnu"
        wrapperShell=$shell
        . "$makeWrapperSh"
        mv "$out/bin/octave-cli" "$out/bin/.octave-cli-wrapped"
        makeWrapper "$out/bin/.octave-cli-wrapped" "$out/bin/octave-cli" --set OCTAVE_HOME "$out"
        makeWrapper "$out/bin/.octave-cli-wrapped" "$out/bin/octave" --set OCTAVE_HOME "$out"
        ;;
esac
