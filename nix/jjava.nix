# A Java kernel: JJava (the maintained successor of IJava, github.com/dflib/jjava) on a JDK, for
# nixlab's java kind. nixpkgs has no JJava (nor IJava): it is built here from PyPI's wheel, which
# carries the kernel as share/jupyter/kernels/java/{jjava.jar, jjava-launcher.jar, kernel.json}.
#
# The result is bin/jjava, the kernel's command: what JJava's own launcher (jjava-launcher.jar)
# runs, without the launcher, which starts `java` from PATH (FROM scratch has no PATH to a JDK):
#   java $JJAVA_JVM_OPTS --add-opens jdk.jshell/jdk.jshell=ALL-UNNAMED -jar jjava.jar <connection file>
# on the given JDK, with JJAVA_CLASSPATH naming the jars of the `classpath` packages. JShell
# compiles in memory; java.io.tmpdir (Java ignores TMPDIR) follows TMPDIR, default /tmp.
#
# JJava's wheel is built by ./pypi-wheel.nix (copied beside this file): buildPythonPackage with
# format = "wheel" puts the wheel's .data/data/ in $out, so $out/share/jupyter/kernels/java.
#
# nixpkgs API used (checked against nixpkgs 26.11, master of 2026-07-14, 7beb50e7ff79), besides
# ./pypi-wheel.nix's:
#   writeShellScriptBin  pkgs/build-support/trivial-builders/default.nix
#   jdk17_headless, jdk21_headless, jdk_headless
#                        pkgs/development/compilers/openjdk/generic.nix (bin/java, bin/ -> lib/openjdk/bin)
#   Java libraries put their jars in $out/share/java (e.g. pkgs/by-name/co/commons-lang/package.nix)
{
  lib,
  fetchPypi,
  python3Packages,
  writeShellScriptBin,
  # the JDK the kernel runs on and compiles with (JShell): pkgs.jdk17_headless, …
  jdk,
  # packages whose share/java/*.jar join the kernel's class path (JJAVA_CLASSPATH)
  classpath ? [ ],
}:
let
  jjava = import ./pypi-wheel.nix {
    inherit fetchPypi;
    pythonPackages = python3Packages;
    pname = "jjava";
    version = "1.0a8";
    # its sha256 is the one offline/python/wheels.lock.json locks (b86ddf2e…2a69)
    hash = "sha256-uG3fLu5gN6M6CtwqwvMYqUY49C7vru6xPbOBWH5fKmk=";
    meta = {
      description = "Jupyter kernel for Java (JShell)";
      homepage = "https://github.com/dflib/jjava";
    };
    # always the wheel, whatever the set has: bin/jjava runs the wheel's share/jupyter/kernels/java
    preferSetAttribute = false;
  };
  kernelDir = "${jjava}/share/jupyter/kernels/java";
  # JJava expands each entry as a glob (forward slashes, ':'-separated).
  jars = lib.concatMapStringsSep ":" (p: "${p}/share/java/*.jar") classpath;
in
writeShellScriptBin "jjava" ''
  ${lib.optionalString (classpath != [ ]) ''export JJAVA_CLASSPATH="${jars}''${JJAVA_CLASSPATH:+:$JJAVA_CLASSPATH}"''}
  exec ${jdk}/bin/java $JJAVA_JVM_OPTS "-Djava.io.tmpdir=''${TMPDIR:-/tmp}" --add-opens jdk.jshell/jdk.jshell=ALL-UNNAMED -jar ${kernelDir}/jjava.jar "$@"
''
