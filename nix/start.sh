# The body of the image's start command (nix/start.nix puts `bb=<busybox bin dir>`,
# `hooks=<dir>` and runtime.sh's env_<role>/name_<role> before it): give an unknown uid a name, say what is wrong with the user or the
# notebook directory in one line each, run the start hooks in order, then exec the command.

uid=$("$bb"/id -u)
gid=$("$bb"/id -g)

# Any uid gets a name (docker run --user 4242:4242, --user 1010, OpenShift's random uids): git,
# ssh and Python's getpass ask getpwuid(). The image user's name and home go to the new uid;
# /etc/passwd and /etc/group are writable for this (the image has no setuid program, so an
# entry grants nothing). A read-only root file system (docker run --read-only) keeps them as
# they are, and one line says so.
if ! "$bb"/id -un >/dev/null 2>&1 || ! "$bb"/id -gn >/dev/null 2>&1; then
    name=$("$bb"/sed -n 's/^\([^:]*\):[^:]*:[1-9][0-9]*:[^:]*:[^:]*:\([^:]*\):.*/\1 \2/p' /etc/passwd | while read -r n h; do
        [ "$h" = "$env_home" ] && { echo "$n"; break; }
    done)
    name=${name:-nixlab}
    if { "$bb"/id -un >/dev/null 2>&1 || echo "$name:x:$uid:$gid:$name:${env_home:-/tmp}:/bin/sh" >> /etc/passwd; } 2>/dev/null &&
        { "$bb"/id -gn >/dev/null 2>&1 || echo "$name:x:$gid:" >> /etc/group; } 2>/dev/null; then
        :
    else
        echo "nixlab: uid $uid (gid $gid) has no name and /etc/passwd is read-only here: git and ssh may complain; run without --read-only, or as the image's user" >&2
    fi
fi

# Root: the server runs with --allow-root (jupyter_server_config.py), so that a notebook
# directory owned by root on the host stays writable; say so once.
if [ "$uid" = 0 ]; then
    echo "nixlab: running as root (uid 0): the server runs with --allow-root; docker run --user UID:GID runs it as another user" >&2
fi

# A notebook directory the user cannot write: the server starts, but saving fails (403).
dir=$env_notebook_dir
if [ -n "$dir" ] && [ -d "$dir" ] && ! [ -w "$dir" ]; then
    owner=$("$bb"/stat -c %u:%g "$dir")
    echo "nixlab: $dir (owned by $owner) is not writable by uid $uid: notebooks cannot be saved; fix: on the host, sudo chown -R $uid:$gid <the directory mounted at $dir>, or docker run --user $owner" >&2
fi

for hook in "$hooks"/*; do
    [ -e "$hook" ] || continue
    "$bb"/sh "$hook" || { code=$?; echo "nixlab: start hook ${hook##*/} failed with exit code $code" >&2; exit $code; }
done
exec "$@"
