# Stand-ins for the Jupyter kernels nixlab's presets use that Debian 12 does not package
# (offline/unavailable.nix throws for them), in the shape nixpkgs 26.05 gives them. Each cites
# the NixOS/nixpkgs file it follows; versions are those of the stored copy that was read (see
# /work/notes/nixpkgs-26.05.md for the commits) and only name the derivations.
{ standIn }:
let
  # The C++ set is generated from the evaluated facts of the tree that stands for the pin
  # (src/nixpkgs/facts.ts PIN_FACTS_SOURCE): whichever of xeus-cpp / xeus-cling the facts record
  # as present, with the recorded version and mainProgram, and one plain kernel definition per
  # `cpp*-kernel` the facts record, its argv the recorded one with argv[0] in the stand-in's bin/.
  # test/offline/eval-layer.test.ts compares every stand-in with the facts.
  facts = builtins.fromJSON (builtins.readFile ../../nixpkgs-facts/master-2026-07-14.json);
  fact = attr: facts.attrs.${attr};
  cppSetName = if (fact "xeus-cpp").present == true then "xeus-cpp" else "xeus-cling";
  cppSet = standIn {
    pname = cppSetName;
    inherit ((fact cppSetName)) version;
    binNames = [ facts.needs.envs.${cppSetName} ];
    source = "pkgs/applications/editors/jupyter-kernels/${cppSetName}/default.nix";
    meta.mainProgram = (fact cppSetName).mainProgram;
  };
  cppDefinitions = builtins.listToAttrs (
    map (attr: {
      name = attr;
      value =
        let
          f = fact attr;
        in
        {
          inherit (f) displayName language;
          argv = [ "${cppSet}/bin/${f.argvHead.bin}" ] ++ builtins.tail f.argv;
          logo32 = "${cppSet}/share/jupyter/kernels/xcpp17/logo-32x32.png";
          logo64 = "${cppSet}/share/jupyter/kernels/xcpp17/logo-64x64.png";
        };
    }) (builtins.filter (attr: builtins.match "cpp.*-kernel" attr != null && (fact attr).present == true && (fact attr).argvHead.env == cppSetName) (builtins.attrNames facts.attrs))
  );

  # pkgs/applications/editors/jupyter-kernels/clojupyter/default.nix: `rec { launcher;
  # definition; }`; launcher = runCommand "clojupyter" { pname; version; meta; shellScript; }
  # linking bin/clojupyter to a script running `java -cp <classpath> clojupyter.kernel.core`;
  # its meta has no mainProgram. The logos are derivations (imagemagick resizes of the logo).
  clojupyter = rec {
    launcher = standIn {
      pname = "clojupyter";
      version = "0.3.3";
      name = "clojupyter";
      binNames = [ "clojupyter" ];
      source = "pkgs/applications/editors/jupyter-kernels/clojupyter/default.nix";
    };
    sizedLogo =
      size:
      standIn {
        pname = "clojupyter-logo-${size}x${size}.png";
        source = "pkgs/applications/editors/jupyter-kernels/clojupyter/default.nix";
      };
    definition = {
      displayName = "Clojure";
      argv = [
        "${launcher}/bin/clojupyter"
        "{connection_file}"
      ];
      language = "clojure";
      logo32 = sizedLogo "32";
      logo64 = sizedLogo "64";
    };
  };

  # pkgs/by-name/ir/iruby/package.nix: bundlerApp { pname = "iruby"; exes = [ "iruby" ]; } with
  # passthru.definition; bundlerApp (pkgs/development/ruby-modules/bundler-app/default.nix) sets
  # meta.mainProgram = pname. The version comes from the gemset (not checked).
  iruby = standIn {
    pname = "iruby";
    inherit ((fact "iruby")) version;
    binNames = [ "iruby" ];
    source = "pkgs/by-name/ir/iruby/package.nix";
    passthru.definition = {
      displayName = "IRuby";
      argv = [
        "${iruby}/bin/iruby"
        "kernel"
        "{connection_file}"
      ];
      language = "ruby";
      logo32 = null;
      logo64 = null;
    };
    meta.mainProgram = "iruby";
  };
in
cppDefinitions
// {
  ${cppSetName} = cppSet;
  inherit clojupyter iruby;

  # pkgs/by-name/go/gophernotes/package.nix: buildGoModule, bin/gophernotes,
  # meta.mainProgram "gophernotes".
  gophernotes = standIn {
    pname = "gophernotes";
    inherit ((fact "gophernotes")) version;
    binNames = [ "gophernotes" ];
    source = "pkgs/by-name/go/gophernotes/package.nix";
    meta.mainProgram = "gophernotes";
  };

  # pkgs/by-name/ev/evcxr/package.nix: buildRustPackage; postInstall wraps bin/evcxr and
  # bin/evcxr_jupyter (cargo, gcc, mold, rustc on PATH; RUST_SRC_PATH) and removes
  # bin/testing_runtime; meta.mainProgram "evcxr".
  evcxr = standIn {
    pname = "evcxr";
    inherit ((fact "evcxr")) version;
    binNames = [
      "evcxr"
      "evcxr_jupyter"
    ];
    source = "pkgs/by-name/ev/evcxr/package.nix";
    meta.mainProgram = "evcxr";
  };
  # (deno: the offline set has the real one, ../deno.nix.)
}
