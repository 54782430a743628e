# A small subset of nixpkgs' `lib`, written here from builtins only (this package set has no
# nixpkgs checkout to import). Each function keeps the name and semantics of its nixpkgs
# counterpart (lib/fixed-points.nix, lib/strings.nix, lib/lists.nix, lib/attrsets.nix,
# lib/trivial.nix, lib/customisation.nix) so that emitted code calling `pkgs.lib.X` behaves the
# same against this set as against the real one. Anything not listed here is missing on purpose:
# `lib.someFunction` fails with "attribute 'someFunction' missing", as an unknown nixpkgs
# attribute would.
let
  inherit (builtins)
    attrNames
    concatLists
    concatStringsSep
    elem
    filter
    foldl'
    genList
    head
    isAttrs
    isList
    isString
    length
    listToAttrs
    map
    replaceStrings
    split
    stringLength
    substring
    tail
    ;
in
rec {
  # lib/fixed-points.nix
  fix =
    f:
    let
      x = f x;
    in
    x;
  extends =
    overlay: f: final:
    let
      prev = f final;
    in
    prev // overlay final prev;
  composeExtensions =
    f: g: final: prev:
    let
      fApplied = f final prev;
      prev' = prev // fApplied;
    in
    fApplied // g final prev';
  composeManyExtensions = foldl' composeExtensions (_: _: { });

  # lib/trivial.nix
  id = x: x;
  const = x: _: x;
  warn = msg: builtins.trace "evaluation warning: ${msg}";
  warnIf = cond: msg: if cond then warn msg else id;
  # lib/asserts.nix
  assertMsg = pred: msg: pred || throw msg;

  # lib/lists.nix
  optional = cond: elem: if cond then [ elem ] else [ ];
  optionals = cond: elems: if cond then elems else [ ];
  flatten = x: if isList x then concatLists (map flatten x) else [ x ];
  unique = foldl' (acc: e: if elem e acc then acc else acc ++ [ e ]) [ ];
  remove = e: filter (x: x != e);
  last = list: builtins.elemAt list (length list - 1);
  toList = x: if isList x then x else [ x ];

  # lib/strings.nix
  inherit concatStringsSep;
  concatStrings = concatStringsSep "";
  concatMapStrings = f: list: concatStringsSep "" (map f list);
  concatMapStringsSep = sep: f: list: concatStringsSep sep (map f list);
  optionalString = cond: string: if cond then string else "";
  versionOlder = v1: v2: builtins.compareVersions v2 v1 == 1;
  versionAtLeast = v1: v2: builtins.compareVersions v1 v2 >= 0;
  hasPrefix = pref: str: substring 0 (stringLength pref) str == pref;
  hasSuffix =
    suffix: content:
    let
      lenContent = stringLength content;
      lenSuffix = stringLength suffix;
    in
    lenContent >= lenSuffix && substring (lenContent - lenSuffix) lenContent content == suffix;
  removePrefix =
    prefix: str:
    if hasPrefix prefix str then
      substring (stringLength prefix) (stringLength str - stringLength prefix) str
    else
      str;
  removeSuffix =
    suffix: str:
    if hasSuffix suffix str then substring 0 (stringLength str - stringLength suffix) str else str;
  # `splitString` in nixpkgs escapes the separator for the regex; separators used here are literal.
  splitString =
    sep: s: filter isString (split (replaceStrings [ "." "+" "*" "|" "(" ")" "[" "]" ] [ "\\." "\\+" "\\*" "\\|" "\\(" "\\)" "\\[" "\\]" ] sep) s);
  escapeShellArg = arg: "'${replaceStrings [ "'" ] [ "'\\''" ] (toString arg)}'";
  escapeShellArgs = concatMapStringsSep " " escapeShellArg;
  makeSearchPath =
    subDir: paths: concatStringsSep ":" (map (path: "${path}/${subDir}") (filter (x: x != null) paths));
  makeBinPath = makeSearchPath "bin";
  makeLibraryPath = makeSearchPath "lib";

  # lib/attrsets.nix
  inherit (builtins) attrValues attrNames mapAttrs hasAttr getAttr;
  mapAttrsToList = f: attrs: map (name: f name attrs.${name}) (attrNames attrs);
  filterAttrs =
    pred: set:
    listToAttrs (
      concatLists (
        map (
          name:
          let
            v = set.${name};
          in
          if pred name v then [ { inherit name; value = v; } ] else [ ]
        ) (attrNames set)
      )
    );
  optionalAttrs = cond: as: if cond then as else { };
  genAttrs = names: f: listToAttrs (map (n: { name = n; value = f n; }) names);
  isDerivation = value: value.type or null == "derivation";
  getBin = drv: drv;
  getExe =
    drv:
    "${drv}/bin/${
      drv.meta.mainProgram or (drv.pname or (builtins.parseDrvName drv.name).name)
    }";

  # lib/trivial.nix: functions that carry their argument set (functors), so that
  # lib.functionArgs sees through makeOverridable as in nixpkgs.
  setFunctionArgs = f: args: {
    __functor = self: f;
    __functionArgs = args;
  };
  functionArgs =
    f:
    if f ? __functor then
      f.__functionArgs or (functionArgs (f.__functor f))
    else
      builtins.functionArgs f;
  mirrorFunctionArgs = f: g: setFunctionArgs g (functionArgs f);
  isFunction = f: builtins.isFunction f || (f ? __functor && isFunction (f.__functor f));

  # lib/customisation.nix: a reduced makeOverridable (override only; no overrideDerivation).
  makeOverridable =
    f:
    mirrorFunctionArgs f (
      origArgs:
      let
        result = f origArgs;
        overrideWith = newArgs: origArgs // (if builtins.isFunction newArgs then newArgs origArgs else newArgs);
      in
      if isAttrs result then
        result // { override = newArgs: makeOverridable f (overrideWith newArgs); }
      else
        result
    );

  # lib/meta.nix
  meta.defaultPriority = 5;

  # Used internally: first element of a list matching a predicate, or `default`.
  findFirst =
    pred: default: list:
    let
      found = filter pred list;
    in
    if found == [ ] then default else head found;

  inherit (builtins) elem filter length head tail;
  range = first: last: if first > last then [ ] else genList (n: first + n) (last - first + 1);
}
