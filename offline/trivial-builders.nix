# runCommand & co. with nixpkgs' signatures and semantics, re-implemented on this set's
# mkDerivation (busybox sh instead of stdenv/bash). Source of the signatures and of what each
# builder does: nixpkgs pkgs/build-support/trivial-builders/default.nix.
{
  lib,
  mkDerivation,
  runtimeShell,
}:
let
  inherit (lib) optionalAttrs hasPrefix;
in
rec {
  # trivial-builders/default.nix: runCommandWith { stdenv, runLocal, derivationArgs, name } buildCommand
  # (`stdenv` is accepted and ignored: this set has a single, compiler-less builder environment).
  runCommandWith =
    {
      stdenv ? null,
      runLocal ? false,
      derivationArgs ? { },
      name,
    }:
    buildCommand:
    mkDerivation (
      {
        enableParallelBuilding = true;
        inherit buildCommand name;
        passAsFile = [ "buildCommand" ] ++ (derivationArgs.passAsFile or [ ]);
      }
      // (optionalAttrs runLocal {
        preferLocalBuild = true;
        allowSubstitutes = false;
      })
      // removeAttrs derivationArgs [ "passAsFile" ]
    );

  # trivial-builders/default.nix: runCommand = name: env: runCommandWith { runLocal = false; … }
  runCommand =
    name: env:
    runCommandWith {
      runLocal = false;
      inherit name;
      derivationArgs = env;
    };
  # trivial-builders/default.nix: runCommandLocal (same, plus preferLocalBuild/allowSubstitutes)
  runCommandLocal =
    name: env:
    runCommandWith {
      runLocal = true;
      inherit name;
      derivationArgs = env;
    };

  # trivial-builders/default.nix: writeTextFile { name, text, executable ? false, destination ? "",
  # checkPhase ? "", meta ? {}, passthru ? {}, allowSubstitutes ? false, preferLocalBuild ? true,
  # derivationArgs ? {} }
  writeTextFile =
    {
      name,
      text,
      executable ? false,
      destination ? "",
      checkPhase ? "",
      meta ? { },
      passthru ? { },
      allowSubstitutes ? false,
      preferLocalBuild ? true,
      derivationArgs ? { },
    }:
    assert lib.assertMsg (destination != "" -> (hasPrefix "/" destination && destination != "/")) ''
      destination must be an absolute path, relative to the derivation's out path,
      got '${destination}' instead.

      Ensure that the path starts with a / and specifies at least the filename.
    '';
    let
      matches = builtins.match "/bin/([^/]+)" destination;
    in
    runCommand name (
      {
        inherit
          text
          executable
          checkPhase
          allowSubstitutes
          preferLocalBuild
          ;
        passAsFile = [ "text" ] ++ derivationArgs.passAsFile or [ ];
        meta =
          optionalAttrs (executable && matches != null) { mainProgram = builtins.head matches; }
          // meta
          // derivationArgs.meta or { };
        passthru = passthru // derivationArgs.passthru or { };
      }
      // removeAttrs derivationArgs [
        "passAsFile"
        "meta"
        "passthru"
      ]
    ) ''
      target=$out${lib.escapeShellArg destination}
      mkdir -p "$(dirname "$target")"

      if [ -e "$textPath" ]; then
        mv "$textPath" "$target"
      else
        echo -n "$text" > "$target"
      fi

      if [ -n "$executable" ]; then
        chmod +x "$target"
      fi

      eval "$checkPhase"
    '';

  # trivial-builders/default.nix: writeText name text
  writeText =
    name: text:
    assert lib.assertMsg (builtins.isString text || builtins.isPath text || lib.isDerivation text)
      "pkgs.writeText ${name}: The second argument should be a string, but it's a ${builtins.typeOf text} instead.";
    writeTextFile { inherit name text; };

  # trivial-builders/default.nix: writeTextDir path text (name = baseNameOf path)
  writeTextDir =
    path: text:
    writeTextFile {
      inherit text;
      name = builtins.baseNameOf path;
      destination = "/${path}";
    };

  # trivial-builders/default.nix: writeScript / writeScriptBin
  writeScript =
    name: text:
    writeTextFile {
      inherit name text;
      executable = true;
    };
  writeScriptBin =
    name: text:
    writeTextFile {
      inherit name text;
      executable = true;
      destination = "/bin/${name}";
    };

  # trivial-builders/default.nix: writeShellScript / writeShellScriptBin. runtimeShell is busybox
  # sh here (nixpkgs: bash), so the dry-run check is `sh -n`.
  writeShellScript =
    name: text:
    writeTextFile {
      inherit name;
      executable = true;
      text = ''
        #!${runtimeShell}
        ${text}
      '';
      checkPhase = ''
        ${runtimeShell} -n "$target"
      '';
    };
  writeShellScriptBin =
    name: text:
    writeTextFile {
      inherit name;
      executable = true;
      destination = "/bin/${name}";
      text = ''
        #!${runtimeShell}
        ${text}
      '';
      checkPhase = ''
        ${runtimeShell} -n "$target"
      '';
      meta.mainProgram = name;
    };

  # trivial-builders/default.nix: symlinkJoin { name | pname+version, paths, stripPrefix ? "",
  # preferLocalBuild ? true, allowSubstitutes ? false, postBuild ? "", failOnMissing ? stripPrefix == "", … }
  # nixpkgs runs `lndir -silent` per path; builders/lndir.sh reproduces lndir's behaviour.
  symlinkJoin =
    args_@{
      name ?
        assert lib.assertMsg (
          args_ ? pname && args_ ? version
        ) "symlinkJoin requires either a `name` OR `pname` and `version`";
        "${args_.pname}-${args_.version}",
      paths,
      stripPrefix ? "",
      preferLocalBuild ? true,
      allowSubstitutes ? false,
      postBuild ? "",
      failOnMissing ? stripPrefix == "",
      ...
    }:
    assert lib.assertMsg (stripPrefix != "" -> (hasPrefix "/" stripPrefix && stripPrefix != "/")) ''
      stripPrefix must be either an empty string (disable stripping behavior), or relative path prefixed with /.

      Ensure that the path starts with / and specifies path to the subdirectory.
    '';
    let
      mapPaths =
        f: paths:
        map (
          path:
          if path == null then
            null
          else if builtins.isList path then
            mapPaths f path
          else
            f path
        ) paths;
      args =
        removeAttrs args_ [
          "name"
          "postBuild"
          "stripPrefix"
          "paths"
          "failOnMissing"
        ]
        // {
          inherit preferLocalBuild allowSubstitutes;
          paths = mapPaths (path: "${path}${stripPrefix}") paths;
          passAsFile = [ "paths" ];
        };
    in
    runCommand name args ''
      . ${./builders/lndir.sh}
      mkdir -p $out
      for i in $(cat $pathsPath); do
        ${lib.optionalString (!failOnMissing) "if test -d $i; then "}lndir -silent $i $out${lib.optionalString (!failOnMissing) "; fi"}
      done
      ${postBuild}
    '';

  # trivial-builders/default.nix: linkFarm name entries (list of { name; path; } or attrset)
  linkFarm =
    name: entries:
    let
      entries' =
        if builtins.isAttrs entries then
          entries
        else if builtins.isList entries then
          builtins.foldl' (a: b: a // { "${b.name}" = b.path; }) { } entries
        else
          throw "linkFarm entries must be either attrs or a list!";
      linkCommands = lib.mapAttrsToList (name: path: ''
        mkdir -p -- "$(dirname -- ${lib.escapeShellArg "${name}"})"
        ln -s -- ${lib.escapeShellArg "${path}"} ${lib.escapeShellArg "${name}"}
      '') entries';
    in
    runCommand name
      {
        preferLocalBuild = true;
        allowSubstitutes = false;
        passthru.entries = entries';
      }
      ''
        mkdir -p $out
        cd $out
        ${lib.concatStrings linkCommands}
      '';
}
