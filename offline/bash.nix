# GNU Bash as nixpkgs' `bash` and `bashInteractive` (pkgs/shells/bash/5.nix: pname "bash" /
# "bash-interactive", version "5.2p<patch level>", bin/bash and bin/sh -> bash, passthru.shellPath
# "/bin/bash", meta.mainProgram "bash"). Debian 12 has one bash (the `bash` package), built with
# readline, i.e. what nixpkgs builds as bashInteractive:
#  - bashInteractive: Debian's bin/bash in the store (debian.nix, group "bash"), patched to the
#    store glibc and libtinfo;
#  - bash: the same program under nixpkgs' non-interactive name, bin/bash and bin/sh linking to
#    bashInteractive's (nixpkgs' bash is a separate build without readline; Debian has none).
# `lib.getExe bashInteractive` is "${bashInteractive}/bin/bash", which nixpkgs' bash-kernel
# substitutes into bash_kernel (pkgs/development/python-modules/bash-kernel/default.nix).
{
  lib,
  system,
  busybox,
  debian,
  dpkg,
  checkMeta,
  licenses,
}:
let
  group = debian.groups.bash;
  version = lib.removePrefix "bash-interactive-" group.name;
  meta = {
    homepage = "https://www.gnu.org/software/bash/";
    license = licenses.gpl3Plus;
    mainProgram = "bash";
    platforms = [ "x86_64-linux" ];
  };
  passthru.shellPath = "/bin/bash";

  bashInteractive = checkMeta (
    group
    // passthru
    // {
      inherit passthru version;
      pname = "bash-interactive";
      meta = meta // {
        description = "GNU Bourne-Again Shell, the de facto standard shell on Linux (for interactive use; Debian 12's bash ${dpkg.packages.bash.version})";
        position = "${__curPos.file}:${toString __curPos.line}";
      };
    }
  );

  bash = checkMeta (
    derivation {
      name = "bash-${version}";
      inherit system;
      builder = "${busybox}/bin/sh";
      args = [
        "-ec"
        ''
          mkdir -p $out/bin
          ln -s ${bashInteractive}/bin/bash $out/bin/bash
          ln -s bash $out/bin/sh
        ''
      ];
      PATH = "${busybox}/bin";
      preferLocalBuild = true;
      allowSubstitutes = false;
    }
    // passthru
    // {
      inherit passthru version;
      pname = "bash";
      meta = meta // {
        description = "GNU Bourne-Again Shell, the de facto standard shell on Linux (Debian 12's bash ${dpkg.packages.bash.version})";
        position = "${__curPos.file}:${toString __curPos.line}";
      };
    }
  );
in
{
  inherit bash bashInteractive;
}
