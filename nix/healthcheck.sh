# The image's HEALTHCHECK, run by Docker in the container as the container's user with the
# image's busybox sh: healthy when the Jupyter server answers GET <base url>api with 200 (`/api`
# needs no token). Only busybox applets (sh, ln, readlink, grep, sed, ls, wget, timeout), which the image already
# carries: no Python interpreter per probe.
#
# At most one probe at a time: Docker does not kill a probe that outlives its timeout, and on a
# loaded machine probes that each start an interpreter piled up and starved the server. A probe
# takes a lock (a symlink whose target is its PID: made in one step, atomically, with its
# owner's PID in it); a probe that finds the lock held by a live probe exits 1 at once; a lock
# left by a dead probe (killed, or from before a `docker restart`) is taken over. The probe enforces
# its own deadline ($env_healthcheck_deadline seconds: NIXLAB_HEALTHCHECK_DEADLINE, below Docker's
# timeout) with busybox timeout (not wget -T, which crashes Debian's static busybox 1.35).
#
# Where the server is: the newest live server's jpserver-<pid>.json in the runtime directory
# (its port, base_url and scheme, so `--ServerApp.base_url=/x` or `--port` given on the command
# line are followed), else the port variable and the hub's service prefix, else `/`.
# 127.0.0.1, or [::1] for a server listening on an IPv6 address only.
#
# The variables' values come from runtime.sh, which nix/jupyter-config.nix puts before this:
# env_port, env_hub_service_prefix, env_jupyter_runtime_dir, env_healthcheck_deadline, env_tmpdir.

deadline=$env_healthcheck_deadline
lock=$env_tmpdir/nixlab-healthcheck.$(id -u).lock

# A live probe: the PID runs this script, or — once the probe has exec'd its request — wget.
# The request replaces the probe's shell (exec), so the lock names the process that is talking
# to the server for as long as it does: whatever kills the shell (Docker, on a probe's timeout)
# kills the request with it, and no request outlives the lock.
probe() { [ -n "$1" ] && grep -q -e "${0##*/}" -e wget "/proc/$1/cmdline" 2>/dev/null; }
if ! ln -s "$$" "$lock" 2>/dev/null; then
    held=$(readlink "$lock")
    if probe "$held"; then
        echo "nixlab healthcheck: probe $held is still running; not starting another" >&2
        exit 1
    fi
    # A dead probe's lock: removed only if it still names that probe, then taken like a free one.
    [ "$(readlink "$lock")" = "$held" ] && rm -f "$lock"
    ln -s "$$" "$lock" 2>/dev/null || { echo "nixlab healthcheck: another probe took the lock" >&2; exit 1; }
fi

scheme=http
host=127.0.0.1
port=$env_port
base=${env_hub_service_prefix:-/}
runtime=$env_jupyter_runtime_dir
if [ -n "$runtime" ]; then
    # Newest first: a restarted container keeps its old files in /tmp until the server removes them.
    for f in $(ls -t "$runtime"/jpserver-*.json 2>/dev/null); do
        pid=$(sed -n 's/^ *"pid": *\([0-9][0-9]*\).*/\1/p' "$f")
        [ -n "$pid" ] && [ -d "/proc/$pid" ] || continue
        p=$(sed -n 's/^ *"port": *\([0-9][0-9]*\).*/\1/p' "$f")
        b=$(sed -n 's/^ *"base_url": *"\([^"]*\)".*/\1/p' "$f")
        [ -n "$p" ] && port=$p
        [ -n "$b" ] && base=$b
        grep -q '^ *"secure": *true' "$f" && scheme=https
        # A server listening on an IPv6 address only (its URL has [..]): its loopback is [::1].
        grep -q '^ *"url": *"https*://\[' "$f" && host='[::1]'
        break
    done
fi
case "$base" in */) ;; *) base="$base/" ;; esac
case "$base" in /*) ;; *) base="/$base" ;; esac

# The verdict is wget's exit status, its error (if any) the probe's output: "wget: can't connect
# to remote host (127.0.0.1): Connection refused", "wget: server returned error: HTTP/1.1 404 Not
# Found"; nothing when the deadline killed it (exit 143). busybox timeout keeps the PID (wget
# runs in this process; a child watches the clock).
exec timeout "$deadline" wget -q --no-check-certificate -O /dev/null "$scheme://$host:$port${base}api"
