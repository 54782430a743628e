# Stand-ins for the java and julia kinds' attributes that the offline set cannot build
# (offline/unavailable.nix throws for them), in the shape nixpkgs 26.11 gives them. Names and
# versions were evaluated from nixpkgs 7beb50e7ff79 (2026-07-14) with Nix 2.26
# (`nix-instantiate --eval --strict`, read-only, dummy store):
#   julia = julia-stable = julia_112: "julia-1.12.6"; julia_110 "1.10.11"; julia_111 "1.11.9";
#   (julia.withPackages [ "IJulia" ]).name = "julia-1.12.6-env" (its drvPath needs
#   import-from-derivation: the registry resolution);
#   jdk_headless = jdk21_headless: "openjdk-headless-21.0.12+2"; jdk17_headless "openjdk-headless-17.0.20+2".
{ standIn }:
let
  # pkgs/development/compilers/julia/default.nix: each julia_1XX is generic.nix's build with
  # passthru.withPackages = juliaWithPackages.override { inherit julia; }; it installs bin/julia.
  # pkgs/development/julia-modules/default.nix: `packageNames:` -> runCommand
  # "julia-${julia.version}-env" making bin/julia (makeWrapper of the wrapped julia, setting
  # JULIA_DEPOT_PATH, JULIA_PROJECT and JULIA_LOAD_PATH); passthru { julia; juliaWrapped; pname;
  # version; meta; … }.
  mkJulia =
    version:
    let
      julia = standIn {
        pname = "julia";
        inherit version;
        binNames = [ "julia" ];
        source = "pkgs/development/compilers/julia/generic.nix";
        passthru = { inherit withPackages; };
        # nixpkgs-facts/master-2026-07-14.json: julia*.meta.mainProgram = "julia"
        meta.mainProgram = "julia";
      };
      withPackages =
        packageNames:
        assert builtins.isList packageNames && builtins.all builtins.isString packageNames;
        standIn {
          pname = "julia";
          inherit version;
          name = "julia-${version}-env";
          binNames = [ "julia" ];
          source = "pkgs/development/julia-modules/default.nix";
          passthru = {
            inherit julia;
            juliaWrapped = julia;
          };
        };
    in
    julia;

  # pkgs/development/compilers/openjdk/generic.nix (headless = true): pname
  # "openjdk-headless", $out/lib/openjdk the JDK, bin/ a link to lib/openjdk/bin; passthru
  # { home = "${openjdk}/lib/openjdk"; …; }; meta.mainProgram "java".
  mkJdk =
    version:
    let
      jdk = standIn {
        pname = "openjdk-headless";
        inherit version;
        binNames = [
          "java"
          "javac"
          "jshell"
        ];
        source = "pkgs/development/compilers/openjdk/generic.nix";
        passthru.home = "${jdk}/lib/openjdk";
        meta.mainProgram = "java";
      };
    in
    jdk;
in
rec {
  julia_110 = mkJulia "1.10.11";
  julia_111 = mkJulia "1.11.9";
  julia_112 = mkJulia "1.12.6";
  # all-packages.nix: julia-stable = julia_112; julia = julia-stable;
  julia = julia_112;
  jdk21_headless = mkJdk "21.0.12+2";
  # all-packages.nix: jdk_headless = jdk21_headless (nixpkgs' default JDK)
  jdk_headless = jdk21_headless;
  # (jdk17_headless: the offline set has the real one, Debian's OpenJDK 17, ../pkgs.nix.)
}
