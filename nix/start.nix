# The image's start command: runs the config's start hooks in order, each with the image's
# shell, then execs the server command it was given. A hook that fails stops the start: its
# exit code becomes the container's, with a line saying which hook it was (the hook's own
# output comes first, on the container's log).
#
# nixpkgs API used: runCommand (pkgs/build-support/trivial-builders/default.nix).
{ runCommand }:
{
  # The shell that runs this script and the hooks (an absolute store path to a POSIX sh).
  shell,
  # The hook files, run in this order (paths; nixlab copies each from the config's directory).
  hooks ? [ ],
}:
runCommand "nixlab-start"
  {
    inherit shell hooks;
    hookNames = map baseNameOf hooks;
  }
  ''
    mkdir -p "$out/bin" "$out/hooks"
    i=0
    set -- $hookNames
    for hook in $hooks; do
      i=$((i + 1))
      cp "$hook" "$out/hooks/$(printf %02d "$i")-$1"
      shift
    done
    {
      echo "#!$shell"
      echo '# nixlab: run the start hooks, then the server (see nixlab/start.nix).'
      echo 'for hook in '"$out"'/hooks/*; do'
      echo '  [ -e "$hook" ] || continue'
      echo '  '"$shell"' "$hook" || { code=$?; echo "nixlab: start hook ''${hook##*/} failed with exit code $code" >&2; exit $code; }'
      echo 'done'
      echo 'exec "$@"'
    } > "$out/bin/nixlab-start"
    chmod 0555 "$out/bin/nixlab-start"
  ''
