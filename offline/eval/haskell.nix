# A stand-in for nixpkgs' haskellPackages, as far as nixlab's Haskell preset reaches into it:
# `haskellPackages.ghcWithPackages (ps: [ ps.ihaskell … ])` and the attributes of
# `haskellPackages.ghc` that the kernel's `--ghclib` argument is computed from.
#
# The GHC version of 26.05's default haskellPackages was not checked (see the notes); the
# attribute shape below does not depend on it.
{ lib, standIn }:
let
  ghcVersion = "9.10.3";

  # pkgs/development/compilers/ghc/common-hadrian.nix (hadrian-built GHCs, every GHC >= 9.6 in
  # nixpkgs): passthru { bootPkgs; targetPrefix; haskellCompilerName = "ghc-${version}";
  # llvmPackages; enableShared; hasHaddock; hadrian; bootstrapAvailable; }. `hadrian` being
  # present is what with-packages-wrapper.nix tests (`ghc ? hadrian`) to add "/lib" to libDir.
  ghc = standIn {
    pname = "ghc";
    version = ghcVersion;
    # The programs with-packages-wrapper.nix wraps (ghc, ghci, ghc-<v>, ghci-<v>, ghc-pkg,
    # ghc-pkg-<v>, runghc, runhaskell, haddock), all installed by GHC's bindist install.
    binNames = [
      "ghc"
      "ghci"
      "ghc-${ghcVersion}"
      "ghci-${ghcVersion}"
      "ghc-pkg"
      "ghc-pkg-${ghcVersion}"
      "runghc"
      "runhaskell"
      "haddock"
    ];
    source = "pkgs/development/compilers/ghc/common-hadrian.nix";
    passthru = {
      bootPkgs = { };
      targetPrefix = "";
      haskellCompilerName = "ghc-${ghcVersion}";
      llvmPackages = null;
      enableShared = true;
      hasHaddock = true;
      hadrian = standIn {
        pname = "hadrian";
        version = ghcVersion;
        binNames = [ "hadrian" ];
        source = "pkgs/development/tools/haskell/hadrian/hadrian.nix";
      };
      bootstrapAvailable = true;
      # haskell-modules/make-package-set.nix puts withPackages on the set's compiler.
      withPackages = ghcWithPackages;
    };
  };

  # A Haskell package of the set: isHaskellLibrary (generic-builder.nix passthru), bin/ as
  # its cabal executables.
  hsPackage =
    pname: binNames:
    standIn {
      inherit pname binNames;
      source = "pkgs/development/haskell-modules/hackage-packages.nix";
      passthru = {
        isHaskellLibrary = true;
        propagatedBuildInputs = [ ];
      };
    };

  # pkgs/development/haskell-modules/with-packages-wrapper.nix: selectPackages haskellPackages,
  # keep what has isHaskellLibrary (closePropagation); no packages and no LLVM -> ghc itself;
  # otherwise symlinkJoin { name = ghc.name + "-with-packages"; paths = paths ++ [ ghc ]; … }
  # with passthru { version; targetPrefix; hoogle; override (throws); }.
  ghcWithPackages =
    selectPackages:
    let
      paths = builtins.filter (x: x ? isHaskellLibrary) (selectPackages packageSet);
    in
    if paths == [ ] then
      ghc
    else
      standIn {
        pname = "ghc-with-packages";
        name = ghc.name + "-with-packages";
        binNames = lib.unique (builtins.concatMap (p: p.standIn.binNames) (paths ++ [ ghc ]));
        source = "pkgs/development/haskell-modules/with-packages-wrapper.nix";
        passthru = {
          inherit (ghc) version targetPrefix;
          hoogle = null;
          override =
            _: throw "The ghc.withPackages wrapper itself can now be overridden, but no longer the result of calling it (nixpkgs with-packages-wrapper.nix)";
          packages = paths;
        };
      };

  # GHC's boot libraries are null in nixpkgs' Haskell sets (configuration-ghc-<version>.x.nix),
  # so `ps.text` in ghcWithPackages adds nothing. The list is the boot libraries of GHC 9.10.
  bootLibraries = [
    "array"
    "base"
    "binary"
    "bytestring"
    "containers"
    "deepseq"
    "directory"
    "exceptions"
    "filepath"
    "ghc-prim"
    "mtl"
    "parsec"
    "pretty"
    "process"
    "stm"
    "template-haskell"
    "text"
    "time"
    "transformers"
    "unix"
  ];

  # The packages a stand-in set needs to name: IHaskell and its display packages, and common
  # libraries people put in a notebook env. A name outside this list fails as "attribute
  # missing", stricter than nixpkgs' ~18,000 names.
  packageSet =
    lib.genAttrs bootLibraries (_: null)
    // {
      # IHaskell: executable ihaskell (IHaskell/IHaskell ihaskell.cabal).
      ihaskell = hsPackage "ihaskell" [ "ihaskell" ];
      ihaskell-aeson = hsPackage "ihaskell-aeson" [ ];
      ihaskell-blaze = hsPackage "ihaskell-blaze" [ ];
      ihaskell-diagrams = hsPackage "ihaskell-diagrams" [ ];
      ihaskell-display = hsPackage "ihaskell-display" [ ];
      ihaskell-hvega = hsPackage "ihaskell-hvega" [ ];
    }
    // lib.genAttrs [
      "aeson"
      "async"
      "attoparsec"
      "Chart"
      "diagrams"
      "hashable"
      "hvega"
      "lens"
      "megaparsec"
      "QuickCheck"
      "random"
      "split"
      "statistics"
      "unordered-containers"
      "vector"
    ] (n: hsPackage n [ ])
    // {
      inherit ghc ghcWithPackages;
    };
in
packageSet
