# docker-stacks' entry points, for commands and docs written for their images:
#   docker run IMAGE start-notebook.py --ServerApp.base_url=/x …     (or start-notebook.sh)
#   jupyterhub's spawner: start-singleuser.py / start-singleuser.sh …
# nix/start.nix puts `start=<the image's start command>`, `server=<the front end's command>` and
# `singleuser=<jupyterhub-singleuser, or empty>` before this, then runtime.sh (env_<role>: a
# variable's value, name_<role>: its name; src/runtime/facts.ts). The image's own start (start
# hooks, the uid's name) then runs the server with the arguments given, after NOTEBOOK_ARGS.
# docker-stacks variables honoured: JUPYTER_PORT, JUPYTER_TOKEN (the server's own),
# NOTEBOOK_ARGS, DOCKER_STACKS_JUPYTER_CMD, RESTARTABLE; the root start's are refused
# ($refused_stacks_variables; docs/docker.md).

me=${0##*/}
case "$me" in
    start-singleuser*) cmd=$singleuser ;;
    *)
        if [ -n "$env_hub_api_token" ] && [ -n "$singleuser" ]; then
            cmd=$singleuser
        elif [ -n "$env_stacks_jupyter_cmd" ]; then
            cmd=jupyter-$env_stacks_jupyter_cmd
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
    echo "nixlab: $me: this image has no $cmd ($name_stacks_jupyter_cmd=$env_stacks_jupyter_cmd); its server is ${server#jupyter-}" >&2
    exit 2
fi
for v in $refused_stacks_variables; do
    eval "set_=\${$v+x}"
    [ -z "$set_" ] || echo "nixlab: $me: $v is not honoured by this image (it has no root start; run docker run --user UID:GID instead)" >&2
done
# NOTEBOOK_ARGS: extra server arguments, split into words as a shell would (docker-stacks: shlex).
if [ -n "$env_notebook_args" ]; then
    eval "set -- $env_notebook_args \"\$@\""
fi
if [ "$env_restartable" = yes ]; then
    # docker-stacks' run-one-constantly: start the server again whenever it exits; docker stop
    # (SIGTERM) stops it and the loop.
    exec "$start" "$shell" -c '
        trap "kill -TERM \$child 2>/dev/null; wait \$child; exit 143" TERM INT
        while :; do
            "$@" & child=$!
            wait $child
            echo "nixlab: $1 exited with code $?; '"$name_restartable"'=yes starts it again" >&2
            sleep 1
        done' restartable "$cmd" "$@"
fi
exec "$start" "$cmd" "$@"
