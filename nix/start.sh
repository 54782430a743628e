# The body of the image's start command (nix/start.nix puts `bb=<busybox bin dir>`,
# `hooks=<dir>`, `nsswrapper=<nss_wrapper's library>` and runtime.sh's env_<role>/name_<role>
# before it): give an unknown uid a name, say what is wrong with the user or the notebook
# directory in one line each, run the start hooks in order, then exec the command.

uid=$("$bb"/id -u)
gid=$("$bb"/id -g)

# Any uid gets a name (docker run --user 4242:4242, --user 1010, OpenShift's random uids): git,
# ssh and Python's getpass ask getpwuid(). /etc/passwd and /etc/group stay read-only: the start
# writes copies with one more entry (the image user's name and home, for the new uid and gid)
# into a directory of its own under /tmp and preloads nss_wrapper, which answers getpwuid() and
# getgrgid() from them, for the server and everything it starts (kernels, terminals, git). id and
# whoami on PATH are coreutils' (busybox is static: no preloaded library reaches it). No
# writable /tmp (docker run --read-only without --tmpfs /tmp): the uid stays nameless, one line
# says so.
if ! "$bb"/id -un >/dev/null 2>&1 || ! "$bb"/id -gn >/dev/null 2>&1; then
    name=$("$bb"/sed -n 's/^\([^:]*\):[^:]*:[1-9][0-9]*:[^:]*:[^:]*:\([^:]*\):.*/\1 \2/p' /etc/passwd | while read -r n h; do
        [ "$h" = "$env_home" ] && { echo "$n"; break; }
    done)
    name=${name:-nixlab}
    if nss=$("$bb"/mktemp -d "$env_tmpdir/nixlab-nss.XXXXXX" 2>/dev/null) &&
        { "$bb"/cat /etc/passwd && { "$bb"/id -un >/dev/null 2>&1 || echo "$name:x:$uid:$gid:$name:${env_home:-/tmp}:/bin/sh"; }; } > "$nss/passwd" &&
        { "$bb"/cat /etc/group && { "$bb"/id -gn >/dev/null 2>&1 || echo "$name:x:$gid:"; }; } > "$nss/group"; then
        export "$name_nss_wrapper_passwd=$nss/passwd" "$name_nss_wrapper_group=$nss/group"
        export "$name_ld_preload=$nsswrapper${env_ld_preload:+ $env_ld_preload}"
    else
        echo "nixlab: uid $uid (gid $gid) has no name and $env_tmpdir is not writable here: git and ssh may complain; give the container a writable /tmp (docker run --tmpfs /tmp), or run it as the image's user" >&2
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

# busybox sh runs its own applet for a name it has (id, whoami, …) before looking in PATH, even
# for exec: a bare command name is looked up in PATH here, so that the image's id and whoami
# (coreutils', which see nss_wrapper's names) run as they would under any other shell.
case "$1" in
    */* | "") ;;
    *)
        found=$(
            IFS=:
            for d in $env_path; do
                if [ -n "$d" ] && [ -f "$d/$1" ] && [ -x "$d/$1" ]; then echo "$d/$1"; break; fi
            done
        )
        if [ -n "$found" ]; then
            shift
            set -- "$found" "$@"
        fi
        ;;
esac
exec "$@"
