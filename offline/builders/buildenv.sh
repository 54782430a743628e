# Builder of buildEnv: the algorithm of nixpkgs' pkgs/build-support/buildenv/builder.pl in busybox
# sh (this set has no perl). Inputs (environment): out, pkgsPath (file, one "<priority> <path>" per
# line, in the order given), pathsToLink, extraPrefix, ignoreCollisions ("1"/""),
# checkCollisionContents ("1"/""), ignoreSingleFileOutputs ("1"/""), manifest.
#
# Same rules as builder.pl: a directory present in one package only becomes one symlink to it; when
# a second package has the same directory it is turned into a real directory and both are linked
# entry by entry (recursively); for a file present in several packages the lower meta.priority
# number wins, then the first one; files with identical contents and permissions do not collide;
# otherwise "collision between `A' and `B'" fails the build unless ignoreCollisions. nix-support/,
# propagated-build-inputs, info/dir and share/mime (except share/mime/packages) are skipped, and
# packages listed in nix-support/propagated-user-env-packages are added afterwards, silently losing
# collisions.
set -e
set -o pipefail

root="$out$extraPrefix"
prioDir="$NIX_BUILD_TOP/.priorities"
storeDir="${NIX_STORE:-/nix/store}"

die() { echo "error: $*" >&2; exit 1; }

isInPathsToLink() {
    local p="${1:-/}" e
    for e in $pathsToLink; do
        [ "$e" = / ] && return 0
        case "$p" in "$e" | "$e"/*) return 0 ;; esac
    done
    return 1
}
hasPathsToLink() {
    local p="$1" e
    for e in $pathsToLink; do
        [ -z "$p" ] && return 0
        case "$e" in "$p" | "$p"/*) return 0 ;; esac
    done
    return 1
}

# Priorities of created symlinks: only non-default ones are recorded (most packages have 5).
setPrio() {
    if [ "$2" != 5 ]; then mkdir -p "$prioDir${1%/*}"; echo "$2" > "$prioDir$1"; fi
}
getPrio() {
    if [ -f "$prioDir$1" ]; then cat "$prioDir$1"; else echo 5; fi
}

describe() {
    if [ -L "$1" ] && [ ! -e "$1" ]; then echo "dangling symlink \`$1'"; else echo "\`$1'"; fi
}

checkCollision() {
    [ -e "$1" ] && [ -e "$2" ] || return 1
    local m1 m2
    m1=$(stat -L -c %a "$1"); m2=$(stat -L -c %a "$2")
    if [ "$m1" != "$m2" ]; then
        echo "warning: different permissions in \`$1' and \`$2': $m1 <-> $m2" >&2
        return 1
    fi
    cmp -s "$1" "$2"
}

findFilesInDir() {
    local rel="$1" target="$2" ic="$3" prio="$4" f
    for f in "$target"/* "$target"/.[!.]* "$target"/..?*; do
        [ -e "$f" ] || [ -L "$f" ] || continue
        findFiles "$rel/${f##*/}" "$f" "${f##*/}" "$ic" "$prio"
    done
}

findFiles() {
    local rel="$1" target="$2" base="$3" ic="$4" prio="$5"
    local dest="$root$rel" oldTarget oldPrio isDir=

    case "$rel" in
        /propagated-build-inputs | /nix-support | */info/dir) return 0 ;;
        /share/mime/packages | /share/mime/packages/*) ;;
        /share/mime/*) return 0 ;;
    esac
    [ "$base" = perllocal.pod ] && return 0
    [ "$base" = log ] && return 0
    hasPathsToLink "$rel" || isInPathsToLink "$rel" || return 0

    if [ -d "$dest" ] && [ ! -L "$dest" ]; then
        isDir=1; oldTarget=; oldPrio=$(getPrio "$rel")
    elif [ -L "$dest" ]; then
        oldTarget=$(readlink "$dest"); oldPrio=$(getPrio "$rel")
    else
        # Not linked yet: link it.
        if [ -L "$target" ] && [ ! -e "$target" ]; then
            echo "warning: creating dangling symlink \`$dest' -> \`$target' -> \`$(readlink "$target")'" >&2
        fi
        ln -s "$target" "$dest"
        setPrio "$rel" "$prio"
        return 0
    fi

    # A higher-priority (lower number) package replaces a symlink to a file.
    if [ -z "$isDir" ] && [ "$prio" -lt "$oldPrio" ] && [ ! -d "$oldTarget" ]; then
        rm -f "$dest"; ln -s "$target" "$dest"; setPrio "$rel" "$prio"
        return 0
    fi
    # Both resolve to the same file: keep one, preferring the target that is not a symlink.
    if [ -z "$isDir" ] && [ -e "$target" ] && [ -e "$oldTarget" ] \
        && [ "$(readlink -f "$target")" = "$(readlink -f "$oldTarget")" ]; then
        if [ -L "$oldTarget" ] && [ ! -L "$target" ]; then
            rm -f "$dest"; ln -s "$target" "$dest"; setPrio "$rel" "$prio"
        fi
        return 0
    fi
    # A lower-priority package loses against a symlink to a file.
    if [ -z "$isDir" ] && [ "$prio" -gt "$oldPrio" ] && [ ! -d "$oldTarget" ]; then
        return 0
    fi
    if [ -n "$isDir" ] && [ ! -d "$target" ]; then
        die "not a directory: \`$target'"
    fi
    if ! { [ -d "$target" ] && { [ -n "$isDir" ] || [ -d "$oldTarget" ]; }; }; then
        if [ "$ic" = 1 ]; then
            echo "warning: collision between $(describe "$target") and $(describe "$oldTarget")" >&2
            return 0
        elif [ "$ic" = 2 ]; then
            return 0
        elif [ "$checkCollisionContents" = 1 ] && checkCollision "$oldTarget" "$target"; then
            return 0
        else
            die "collision between $(describe "$target") and $(describe "$oldTarget")"
        fi
    fi

    # Two directories: make a real directory holding the entries of both.
    if [ -z "$isDir" ]; then
        rm -f "$dest"; mkdir "$dest"
        findFilesInDir "$rel" "$oldTarget" "$ic" "$oldPrio"
    fi
    findFilesInDir "$rel" "$target" "$ic" "$prio"
}

# Directories named by pathsToLink (and their parents) are always real directories.
mkdir -p "$root"
for e in $pathsToLink; do
    [ "$e" = / ] || mkdir -p "$root$e"
done

done_list=" "
postponed=
addPkg() {
    local pkg="$1" ic="$2" prio="$3" p
    case "$done_list" in *" $pkg "*) return 0 ;; esac
    done_list="$done_list$pkg "
    if [ -f "$pkg" ] && [ "${pkg%/*}" = "$storeDir" ]; then
        [ "$ignoreSingleFileOutputs" = 1 ] && return 0
        die "The store path $pkg is a file and can't be merged into an environment using pkgs.buildEnv!"
    fi
    findFiles "" "$pkg" "" "$ic" "$prio"
    if [ -e "$pkg/nix-support/propagated-user-env-packages" ]; then
        for p in $(cat "$pkg/nix-support/propagated-user-env-packages"); do
            case "$done_list" in *" $p "*) ;; *) postponed="$postponed $p" ;; esac
        done
    fi
}

ic=0
[ "$ignoreCollisions" = 1 ] && ic=1
while read -r prio path; do
    [ -n "$path" ] || continue
    if [ -e "$path" ]; then addPkg "$path" "$ic" "$prio"; fi
done < "$pkgsPath"

# Propagated packages come last, with ever lower priority, and never fail on collisions.
counter=1000
while [ -n "$postponed" ]; do
    batch=$(for p in $postponed; do echo "$p"; done | sort -u)
    postponed=
    for p in $batch; do
        addPkg "$p" 2 "$counter"
        counter=$((counter + 1))
    done
done

echo "created $(find "$root" -type l | wc -l) symlinks in user environment" >&2

if [ -n "$manifest" ]; then
    ln -s "$manifest" "$out/manifest"
fi
