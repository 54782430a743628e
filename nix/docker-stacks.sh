# docker-stacks' entry points, for commands and docs written for their images:
#   docker run IMAGE start-notebook.py --ServerApp.base_url=/x …     (or start-notebook.sh)
#   jupyterhub's spawner: start-singleuser.py / start-singleuser.sh …
# nix/start.nix puts `start=<the image's start command>`, `server=<the front end's command>` and
# `singleuser=<jupyterhub-singleuser, or empty>` before this. The image's own start (start
# hooks, the uid's name) then runs the server with the arguments given, after NOTEBOOK_ARGS.
# docker-stacks variables honoured: JUPYTER_PORT, JUPYTER_TOKEN (the server's own),
# NOTEBOOK_ARGS, DOCKER_STACKS_JUPYTER_CMD, RESTARTABLE; the others are refused (README.md).

me=${0##*/}
case "$me" in
    start-singleuser*) cmd=$singleuser ;;
    *)
        if [ -n "${JUPYTERHUB_API_TOKEN:-}" ] && [ -n "$singleuser" ]; then
            cmd=$singleuser
        elif [ -n "${DOCKER_STACKS_JUPYTER_CMD:-}" ]; then
            cmd=jupyter-$DOCKER_STACKS_JUPYTER_CMD
        else
            cmd=$server
        fi
        ;;
esac
if [ -z "$cmd" ]; then
    echo "nixlab: $me: this image has no JupyterHub single-user server; add hub: to the nixlab config to build one" >&2
    exit 2
fi
if ! command -v "$cmd" >/dev/null 2>&1; then
    echo "nixlab: $me: this image has no $cmd (DOCKER_STACKS_JUPYTER_CMD=${DOCKER_STACKS_JUPYTER_CMD:-}); its server is ${server#jupyter-}" >&2
    exit 2
fi
for v in NB_USER NB_UID NB_GID GRANT_SUDO CHOWN_HOME CHOWN_EXTRA NB_UMASK; do
    eval "set_=\${$v+x}"
    [ -z "$set_" ] || echo "nixlab: $me: $v is not honoured by this image (it has no root start; run docker run --user UID:GID instead)" >&2
done
# NOTEBOOK_ARGS: extra server arguments, split into words as a shell would (docker-stacks: shlex).
if [ -n "${NOTEBOOK_ARGS:-}" ]; then
    eval "set -- $NOTEBOOK_ARGS \"\$@\""
fi
if [ "${RESTARTABLE:-}" = yes ]; then
    # docker-stacks' run-one-constantly: start the server again whenever it exits; docker stop
    # (SIGTERM) stops it and the loop.
    exec "$start" "$shell" -c '
        trap "kill -TERM \$child 2>/dev/null; wait \$child; exit 143" TERM INT
        while :; do
            "$@" & child=$!
            wait $child
            echo "nixlab: $1 exited with code $?; RESTARTABLE=yes starts it again" >&2
            sleep 1
        done' restartable "$cmd" "$@"
fi
exec "$start" "$cmd" "$@"
