# The image's start command and docker-stacks' entry points.
#
# bin/nixlab-start (nix/start.sh): gives an unknown uid a name (nss_wrapper), says in one line
# what is wrong with a root user or an unwritable notebook directory, runs the config's start
# hooks in order, each with the image's shell, then execs the command it was given. A hook that fails stops the
# start: its exit code becomes the container's, with a line saying which hook it was (the
# hook's own output comes first, on the container's log).
#
# bin/start-notebook.py, start-notebook.sh, start-singleuser.py, start-singleuser.sh
# (nix/docker-stacks.sh): docker-stacks' names, on PATH; each runs bin/nixlab-start with the
# image's server (or jupyterhub-singleuser) and the arguments given.
#
# bin/id, bin/whoami: coreutils' (dynamically linked, so they see nss_wrapper's names), ahead of
# busybox's on the image's PATH.
#
# nixpkgs API used: runCommand (pkgs/build-support/trivial-builders/default.nix); nss_wrapper
# (pkgs/by-name/ns/nss_wrapper/package.nix: lib/libnss_wrapper.so); coreutils
# (pkgs/tools/misc/coreutils/default.nix: bin/id, bin/whoami).
{ runCommand }:
{
  # The shell that runs these scripts and the hooks (an absolute store path to busybox's sh:
  # its directory holds the applets the scripts call).
  shell,
  # The hook files, run in this order (paths; nixlab copies each from the config's directory).
  hooks ? [ ],
  # The command that starts the image's server (a name on PATH, e.g. "jupyter-lab").
  server ? "jupyter-server",
  # The JupyterHub single-user command, or "" when the image has none.
  singleuser ? "",
  # nss_wrapper (pkgs.nss_wrapper): preloaded for a uid /etc/passwd does not name.
  nssWrapper,
  # GNU coreutils (pkgs.coreutils): its id and whoami go on PATH.
  coreutils,
}:
runCommand "nixlab-start"
  {
    inherit shell hooks server singleuser;
    nsswrapper = "${nssWrapper}/lib/libnss_wrapper.so";
    id = "${coreutils}/bin/id";
    whoami = "${coreutils}/bin/whoami";
    hookNames = map baseNameOf hooks;
    startBody = ./start.sh;
    stacksBody = ./docker-stacks.sh;
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
      echo '# nixlab: the start hooks, then the command (see nixlab/start.nix).'
      echo "bb='${"$"}{shell%/*}'"
      echo "hooks='$out/hooks'"
      echo "nsswrapper='$nsswrapper'"
      cat "$startBody"
    } > "$out/bin/nixlab-start"
    {
      echo "#!$shell"
      echo "# nixlab: docker-stacks' entry point (see nixlab/start.nix)."
      echo "start='$out/bin/nixlab-start'"
      echo "shell='$shell'"
      echo "server='$server'"
      echo "singleuser='$singleuser'"
      cat "$stacksBody"
    } > "$out/bin/nixlab-docker-stacks"
    chmod 0555 "$out/bin/nixlab-start" "$out/bin/nixlab-docker-stacks"
    ln -s "$id" "$out/bin/id"
    ln -s "$whoami" "$out/bin/whoami"
    for name in start-notebook.py start-notebook.sh start-singleuser.py start-singleuser.sh; do
      ln -s nixlab-docker-stacks "$out/bin/$name"
    done
  ''
