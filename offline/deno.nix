# Deno as nixpkgs' `deno` (pkgs/by-name/de/deno/package.nix: version 2.8.3, bin/deno, meta.mainProgram
# "deno"): Deno's own release build, which Deno publishes on npm as @deno/linux-x64-glibc (the
# tarball holds the `deno` ELF). Version and sha512 come from node/binaries.json; the tarball is
# fetched in setup and enters the store by that hash (node/fetch.nix). The ELF is pointed at the
# store glibc (libc, libm, libdl, librt, libpthread and libgcc_s are all it needs), so it runs
# FROM scratch. nixpkgs builds Deno from source (Rust, V8) -- far beyond this machine -- and also
# installs bin/dx (a wrapper running `deno x`) and shell completions, left out here.
{
  lib,
  system,
  busybox,
  glibc,
  patchelf,
  fetchNpmTarball,
  checkMeta,
  licenses,
}:
let
  pin = (builtins.fromJSON (builtins.readFile ./node/binaries.json)).deno;
  src = fetchNpmTarball {
    name = pin.package;
    inherit (pin) version integrity;
  };
  drv = derivation {
    name = "deno-${pin.version}";
    inherit system src;
    builder = "${busybox}/bin/sh";
    args = [
      "-e"
      ./builders/prebuilt.sh
    ];
    PATH = "${busybox}/bin";
    install = "deno bin/deno";
    libDeps = [ glibc ];
    inherit glibc;
    patchelf = "${patchelf}/bin/patchelf";
    preferLocalBuild = true;
    allowSubstitutes = false;
  };
in
checkMeta (
  drv
  // {
    pname = "deno";
    inherit (pin) version;
    meta = {
      description = "Secure runtime for JavaScript and TypeScript (Deno's release build of ${pin.version}, from npm's ${pin.package})";
      homepage = "https://deno.com/";
      license = licenses.mit;
      mainProgram = "deno";
      platforms = [ "x86_64-linux" ];
      position = "${__curPos.file}:${toString __curPos.line}";
    };
  }
)
