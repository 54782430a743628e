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
# its own deadline (NIXLAB_HEALTHCHECK_DEADLINE seconds, default 2, below Docker's timeout) with
# busybox timeout (not wget -T, which crashes Debian's static busybox 1.35).
#
# Where the server is: the newest live server's jpserver-<pid>.json in JUPYTER_RUNTIME_DIR (its
# port, base_url and scheme, so `--ServerApp.base_url=/x` or `--port` given on the command line
# are followed), else JUPYTER_PORT and the hub's JUPYTERHUB_SERVICE_PREFIX (or NIXLAB_BASE_URL).
# 127.0.0.1 first, then [::1] (a server listening on IPv6 only).

deadline=${NIXLAB_HEALTHCHECK_DEADLINE:-2}
lock=${TMPDIR:-/tmp}/nixlab-healthcheck.$(id -u).lock

# A live probe: the PID's command line is this script's (PIDs restart after `docker restart`).
probe() { [ -n "$1" ] && grep -q "${0##*/}" "/proc/$1/cmdline" 2>/dev/null; }
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
trap '[ "$(readlink "$lock")" = "$$" ] && rm -f "$lock"' EXIT
trap 'exit 1' INT TERM

scheme=http
port=${JUPYTER_PORT:-8888}
base=${JUPYTERHUB_SERVICE_PREFIX:-${NIXLAB_BASE_URL:-/}}
runtime=${JUPYTER_RUNTIME_DIR:-}
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
        break
    done
fi
case "$base" in */) ;; *) base="$base/" ;; esac
case "$base" in /*) ;; *) base="/$base" ;; esac

status=1
for host in 127.0.0.1 '[::1]'; do
    url="$scheme://$host:$port${base}api"
    if out=$(timeout "$deadline" wget -q --no-check-certificate -O /dev/null "$url" 2>&1); then
        status=0
        break
    fi
    # Connection refused on IPv4: try IPv6; any answer (404, 500, a timeout) is the verdict.
    case "$out" in *refused*) ;; *) break ;; esac
done
[ "$status" = 0 ] || echo "nixlab healthcheck: GET ${base}api on port $port: ${out:-no answer within ${deadline}s}" >&2
exit "$status"
