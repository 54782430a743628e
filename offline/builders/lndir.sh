# `lndir [-silent] FROMDIR TODIR` as a busybox-sh function: the X11 lndir that nixpkgs'
# symlinkJoin runs. Behaviour kept from lndir: directories (and symlinks to directories) in
# FROMDIR become real directories in TODIR and are descended into; every other entry becomes a
# symlink -- to the FROMDIR path, or, when the FROMDIR entry is itself a symlink, a copy of that
# link (same target text). Entries that already exist in TODIR are left alone (first path wins);
# -silent suppresses the message lndir prints about them.
lndir() {
    _lndir_silent=
    if [ "$1" = -silent ]; then _lndir_silent=1; shift; fi
    _lndir_walk "$1" "$2"
}

_lndir_walk() {
    local from="$1" to="$2" src dst name
    for src in "$from"/* "$from"/.[!.]* "$from"/..?*; do
        [ -e "$src" ] || [ -L "$src" ] || continue
        name=${src##*/}
        dst=$to/$name
        if [ -d "$src" ]; then
            if [ -L "$dst" ] || { [ -e "$dst" ] && [ ! -d "$dst" ]; }; then
                [ -n "$_lndir_silent" ] || echo "$dst: exists and is not a directory" >&2
                continue
            fi
            mkdir -p "$dst"
            _lndir_walk "$src" "$dst"
        elif [ -e "$dst" ] || [ -L "$dst" ]; then
            [ -n "$_lndir_silent" ] || echo "$dst: already exists" >&2
        elif [ -L "$src" ]; then
            ln -s "$(readlink "$src")" "$dst"
        else
            ln -s "$src" "$dst"
        fi
    done
}
