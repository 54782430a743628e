# Stand-ins for the Jupyter kernels nixlab's presets use that Debian 12 does not package
# (offline/unavailable.nix throws for them), in the shape nixpkgs 26.05 gives them. Each cites
# the NixOS/nixpkgs file it follows; versions are those of the stored copy that was read (see
# /work/notes/nixpkgs-26.05.md for the commits) and only name the derivations.
{ standIn }:
let
  # pkgs/applications/editors/jupyter-kernels/xeus-cpp/xeus-cpp.nix: clangStdenv.mkDerivation,
  # pname "xeus-cpp", installs bin/xcpp (wrapped with CPPINTEROP_EXTRA_INTERPRETER_ARGS) and
  # share/jupyter/kernels/xcpp17/…; passthru { backend; flags; }; meta.mainProgram "xcpp".
  xeus-cpp = standIn {
    pname = "xeus-cpp";
    version = "0.10.0";
    binNames = [ "xcpp" ];
    source = "pkgs/applications/editors/jupyter-kernels/xeus-cpp/xeus-cpp.nix";
    passthru = {
      backend = "clang-repl";
      # The real value is CppInterOp's interpreter arguments (include and resource dirs).
      flags = "";
    };
    meta.mainProgram = "xcpp";
  };

  # pkgs/applications/editors/jupyter-kernels/xeus-cpp/default.nix: mkKernelSpec, a plain
  # kernel definition (not a derivation) whose argv starts with xeus-cpp's bin/xcpp.
  mkKernelSpec = std: {
    displayName = builtins.replaceStrings [ "c++" ] [ "C++ " ] std;
    argv = [
      "${xeus-cpp}/bin/xcpp"
      "-std=${std}"
      "-f"
      "{connection_file}"
    ];
    language = "cpp";
    logo32 = "${xeus-cpp}/share/jupyter/kernels/xcpp17/logo-32x32.png";
    logo64 = "${xeus-cpp}/share/jupyter/kernels/xcpp17/logo-64x64.png";
  };

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
{
  inherit xeus-cpp clojupyter iruby;
  # all-packages.nix: inherit (callPackage ../applications/editors/jupyter-kernels/xeus-cpp { })
  #   cpp11-kernel cpp14-kernel cpp17-kernel cpp20-kernel cpp23-kernel xeus-cpp;
  # (no cpp2a-kernel and no xeus-cling: see default.nix)
  cpp11-kernel = mkKernelSpec "c++11";
  cpp14-kernel = mkKernelSpec "c++14";
  cpp17-kernel = mkKernelSpec "c++17";
  cpp20-kernel = mkKernelSpec "c++20";
  cpp23-kernel = mkKernelSpec "c++23";

  # pkgs/by-name/go/gophernotes/package.nix: buildGoModule, bin/gophernotes,
  # meta.mainProgram "gophernotes".
  gophernotes = standIn {
    pname = "gophernotes";
    version = "0.7.5";
    binNames = [ "gophernotes" ];
    source = "pkgs/by-name/go/gophernotes/package.nix";
    meta.mainProgram = "gophernotes";
  };

  # pkgs/by-name/ev/evcxr/package.nix: buildRustPackage; postInstall wraps bin/evcxr and
  # bin/evcxr_jupyter (cargo, gcc, mold, rustc on PATH; RUST_SRC_PATH) and removes
  # bin/testing_runtime; meta.mainProgram "evcxr".
  evcxr = standIn {
    pname = "evcxr";
    version = "0.19.0";
    binNames = [
      "evcxr"
      "evcxr_jupyter"
    ];
    source = "pkgs/by-name/ev/evcxr/package.nix";
    meta.mainProgram = "evcxr";
  };
  # (deno: the offline set has the real one, ../deno.nix.)
}
