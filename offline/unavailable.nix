# Kernels nixpkgs packages that Debian 12 does not: each attribute fails at evaluation with the
# reason, instead of being missing ("attribute 'deno' missing" says nothing) or faked. The kernel
# kinds using them are refused offline (test/offline/helpers.ts BUILDS_OFFLINE); apt-cache policy
# checked each name.
# (bash_kernel is python3Packages.bash-kernel, refused in python/names.nix.)
let
  noXeusCling = "Debian 12 has no xeus-cling package: it packages libxeus and xeus-python, not the C++ kernel";
  noJulia = "Debian 12 has no Julia package, and no registry reachable here has a Julia binary";
  reasons = {
    gophernotes = "Debian 12 has no gophernotes package: the Go kernel is not packaged";
    evcxr = "Debian 12 has no evcxr package: the Rust REPL and Jupyter kernel is not packaged";
    # nixpkgs' haskellPackages.ghcWithPackages (ps: [ ps.ihaskell … ]) for the Haskell kernel
    haskellPackages = "Debian 12 has no IHaskell: it packages GHC 9.0.2 but not IHaskell, and the offline package set offers no Haskell packages";
    ihaskell = "Debian 12 has no IHaskell package";
    iruby = "Debian 12 has no iruby package (ruby-iruby)";
    clojupyter = "Debian 12 has no clojupyter package";
    # nixpkgs' C++ kernel set: the xeus-cling one, as the facts of the tree standing for the pin
    # record it (nixpkgs-facts/master-2026-07-14.json: xeus-cling, cpp11/14/17/2a-kernel; no
    # xeus-cpp). nixlab's emitted Nix takes xeus-cpp where a nixpkgs has it (src/kernels/cpp.ts).
    xeus-cling = noXeusCling;
    cpp11-kernel = noXeusCling;
    cpp14-kernel = noXeusCling;
    cpp17-kernel = noXeusCling;
    cpp2a-kernel = noXeusCling;
    # nixpkgs' other JDKs (the java kind's `jdk` 21, and its default, jdk_headless = 21)
    jdk21_headless = "Debian 12 has OpenJDK 17 only (openjdk-17-jdk-headless, jdk17_headless here)";
    jdk_headless = "nixpkgs' default JDK is 21 and Debian 12 has OpenJDK 17 only (jdk17_headless here: set the java kernel's jdk to 17)";
    # nixpkgs' julia.withPackages (the julia kind)
    julia = noJulia;
    julia_110 = noJulia;
    julia_111 = noJulia;
    julia_112 = noJulia;
  };
in
builtins.mapAttrs (
  attr: reason: throw "${attr} is not available in the offline package set (${reason})"
) reasons
