# nixpkgs' refusals: what pkgs/stdenv/generic/check-meta.nix (with problems.nix and
# remediations.nix) does to every derivation, for the offline package set. A package whose meta
# says it is unfree, broken, insecure or not for this platform evaluates (its name and meta can
# be read), but *using* it -- its outPath or drvPath, as when it is a dependency of an
# environment, or nix-build / nix-instantiate of it -- throws, unless the config allows it:
#
#   Refusing to evaluate package 'NAME-VERSION' in FILE:LINE because it REASON
#
# with REASON one of (as nixpkgs words them):
#   has an unfree license (‘unfree’)              config.allowUnfree / allowUnfreePredicate /
#                                                 allowUnfreePackages, NIXPKGS_ALLOW_UNFREE=1
#   is not available on the requested hostPlatform:
#                                                 config.allowUnsupportedSystem,
#                                                 NIXPKGS_ALLOW_UNSUPPORTED_SYSTEM=1
#   is marked as insecure                         config.permittedInsecurePackages /
#                                                 allowInsecurePredicate, NIXPKGS_ALLOW_INSECURE=1
#   has problems:                                 (next line "- broken: This package is broken.")
#                                                 config.allowBroken, problems.handlers,
#                                                 NIXPKGS_ALLOW_BROKEN=1
# followed by how to allow it. The first line is stable (offline/README.md, "Refusals").
{
  # the offline lib (lib.nix)
  lib,
  # the config passed to the package set, already checked by `validateConfig` below
  config,
  # the system the set is evaluated for (hostPlatform.system)
  system,
}:
let
  inherit (builtins)
    all
    any
    attrNames
    concatStringsSep
    elem
    getEnv
    isAttrs
    isBool
    isFunction
    isList
    isString
    map
    typeOf
    ;

  # lib/licenses.nix: the licenses the offline set's packages use (shortName, free, ...).
  licenses = {
    unfree = {
      shortName = "unfree";
      fullName = "Unfree";
      free = false;
      redistributable = false;
    };
    unfreeRedistributable = {
      shortName = "unfreeRedistributable";
      fullName = "Unfree redistributable";
      free = false;
      redistributable = true;
    };
    mit = {
      shortName = "mit";
      fullName = "MIT License";
      spdxId = "MIT";
      free = true;
    };
    bsd3 = {
      shortName = "bsd3";
      fullName = ''BSD 3-clause "New" or "Revised" License'';
      spdxId = "BSD-3-Clause";
      free = true;
    };
    asl20 = {
      shortName = "asl20";
      fullName = "Apache License 2.0";
      spdxId = "Apache-2.0";
      free = true;
    };
    gpl2Only = {
      shortName = "gpl2Only";
      fullName = "GNU General Public License v2.0 only";
      spdxId = "GPL-2.0-only";
      free = true;
    };
    gpl3Plus = {
      shortName = "gpl3Plus";
      fullName = "GNU General Public License v3.0 or later";
      spdxId = "GPL-3.0-or-later";
      free = true;
    };
  };

  # remediations.nix: "name-version" as permittedInsecurePackages lists it; lib.getName.
  getNameWithVersion = attrs: attrs.name or "${attrs.pname or "«name-missing»"}-${attrs.version or "«version-missing»"}";
  getName = attrs: attrs.pname or (builtins.parseDrvName (attrs.name or "")).name;

  envAllows = var: getEnv var == "1";
  allowUnfree = config.allowUnfree or false || envAllows "NIXPKGS_ALLOW_UNFREE";
  allowBroken = config.allowBroken or false || envAllows "NIXPKGS_ALLOW_BROKEN";
  allowInsecure = envAllows "NIXPKGS_ALLOW_INSECURE";
  allowUnsupportedSystem = config.allowUnsupportedSystem or false || envAllows "NIXPKGS_ALLOW_UNSUPPORTED_SYSTEM";

  # check-meta.nix isUnfree: a license set (or any in a list) with free = false.
  isUnfree =
    l:
    if isAttrs l then
      !(l.free or true)
    else if isList l then
      any (x: isAttrs x && !(x.free or true)) l
    else
      false;
  hasUnfreeLicense = attrs: attrs ? meta.license && isUnfree attrs.meta.license;
  hasDeniedUnfreeLicense =
    attrs:
    !allowUnfree
    && hasUnfreeLicense attrs
    && !(elem (getName attrs) (config.allowUnfreePackages or [ ]))
    && !(config ? allowUnfreePredicate && config.allowUnfreePredicate attrs);

  # Platforms are lists of system strings here (nixpkgs also takes platform patterns).
  hasUnsupportedPlatform =
    attrs:
    !allowUnsupportedSystem
    && (
      (attrs ? meta.platforms && !(elem system attrs.meta.platforms))
      || (attrs ? meta.badPlatforms && elem system attrs.meta.badPlatforms)
    );

  isMarkedInsecure = attrs: (attrs.meta.knownVulnerabilities or [ ]) != [ ];
  hasDisallowedInsecure =
    attrs:
    !allowInsecure
    && isMarkedInsecure attrs
    && !(
      if config ? allowInsecurePredicate then
        config.allowInsecurePredicate attrs
      else
        elem (getNameWithVersion attrs) (config.permittedInsecurePackages or [ ])
    );

  isMarkedBroken = attrs: attrs.meta.broken or false;

  # problems.nix: how a problem is handled. config.problems.handlers.<pname>.<problem> wins;
  # otherwise the strictest matching config.problems.matchers entry; otherwise "error" (broken
  # packages are refused by default).
  handlerLevel = h: if h == "error" then 2 else if h == "warn" then 1 else 0;
  handlerFor =
    pname: name: kind:
    let
      explicit = ((config.problems.handlers or { }).${pname} or { }).${name} or null;
      matches = builtins.filter (
        m:
        (m.kind or null == null || m.kind == kind)
        && (m.name or null == null || m.name == name)
        && (m.package or null == null || m.package == pname)
      ) (config.problems.matchers or [ ]);
      strictest = builtins.foldl' (a: m: if handlerLevel m.handler > handlerLevel a then m.handler else a) "ignore" matches;
    in
    if explicit != null then
      explicit
    else if matches != [ ] then
      strictest
    else
      "error";

  position = attrs: attrs.meta.position or "«unknown-file»";
  showLicense = l: concatStringsSep " " (map (x: x.shortName or x.fullName or "unknown") (lib.toList l));
  pretty = l: "[ ${concatStringsSep " " (map (s: ''"${s}"'') l)} ]";

  # Remediations: what to set, in the words nixpkgs uses for each kind of refusal.
  allowHow = attr: envVar: phrase: ''
    a) To allow ${phrase} for one invocation of the nix tools:
         $ export ${envVar}=1
    b) In the config the package set is imported with (import <nixpkgs> { config = …; },
       nixpkgs.config in NixOS, or ~/.config/nixpkgs/config.nix for nix-build and nix-shell):
         { ${attr} = true; }'';

  # check-meta.nix checkValidity: the first problem that is not allowed, or null.
  checkValidity =
    attrs:
    if hasDeniedUnfreeLicense attrs then
      {
        reason = "unfree";
        msg = "has an unfree license (‘${showLicense attrs.meta.license}’)";
        remediation =
          allowHow "allowUnfree" "NIXPKGS_ALLOW_UNFREE" "unfree packages"
          + ''

            Alternatively, allow this package only:
                { allowUnfreePredicate = pkg: builtins.elem (lib.getName pkg) [ "${getName attrs}" ]; }'';
      }
    else if hasUnsupportedPlatform attrs then
      {
        reason = "unsupported";
        msg = ''
          is not available on the requested hostPlatform:
            hostPlatform.system = "${system}"
            package.meta.platforms = ${pretty (attrs.meta.platforms or [ ])}
            package.meta.badPlatforms = ${pretty (attrs.meta.badPlatforms or [ ])}'';
        remediation = allowHow "allowUnsupportedSystem" "NIXPKGS_ALLOW_UNSUPPORTED_SYSTEM" "packages that are unsupported for this system";
      }
    else if hasDisallowedInsecure attrs then
      {
        reason = "insecure";
        msg = "is marked as insecure";
        remediation = ''

          Known issues:
          ${lib.concatMapStrings (i: " - ${i}\n") attrs.meta.knownVulnerabilities}
          To allow it anyway: export NIXPKGS_ALLOW_INSECURE=1 for one invocation of the nix
          tools, or add it to permittedInsecurePackages in the config:
              { permittedInsecurePackages = [ "${getNameWithVersion attrs}" ]; }'';
      }
    else if !allowBroken && isMarkedBroken attrs && handlerFor (getName attrs) "broken" "broken" != "ignore" then
      let
        handler = handlerFor (getName attrs) "broken" "broken";
      in
      if handler == "warn" then
        {
          reason = "problem";
          warnOnly = true;
          msg = "has the following problem: broken: This package is broken.";
          remediation = "";
        }
      else
        {
          reason = "problem";
          msg = ''
            has problems:
            - broken: This package is broken.
          '';
          remediation = ''
            To allow evaluation regardless, put this in the config (import <nixpkgs> { config = …; },
            nixpkgs.config in NixOS, or ~/.config/nixpkgs/config.nix):
                { allowBroken = true; }
            or, for this package only:
                { problems.handlers.${getName attrs}.broken = "warn"; } # or "ignore"'';
        }
    else
      null;

  # Checks a derivation (anything with name, meta, outPath, drvPath): the result is the same
  # derivation, whose outPath / drvPath throw the refusal when the config does not allow it, and
  # whose meta says why (meta.available, unfree, broken, insecure, unsupported) as nixpkgs'
  # commonMeta does. overrideAttrs results are checked again.
  checkMeta =
    drv:
    let
      attrs = drv;
      invalid = checkValidity attrs;
      header = "package '${getNameWithVersion attrs}' in ${position attrs}";
      handled =
        if invalid == null then
          true
        else if invalid.warnOnly or false then
          lib.warn "Package '${getNameWithVersion attrs}' in ${position attrs} ${invalid.msg}" true
        else
          throw "Refusing to evaluate ${header} because it ${invalid.msg}\n${invalid.remediation}";
      meta = (drv.meta or { }) // {
        name = getNameWithVersion attrs;
        unfree = hasUnfreeLicense attrs;
        broken = isMarkedBroken attrs;
        insecure = isMarkedInsecure attrs;
        unsupported = hasUnsupportedPlatform attrs;
        available = invalid == null || (invalid.warnOnly or false);
      };
      checked =
        drv
        // {
          inherit meta;
          drvPath = builtins.seq handled drv.drvPath;
          outPath = builtins.seq handled drv.outPath;
        }
        // lib.optionalAttrs (drv ? overrideAttrs) {
          overrideAttrs = f: checkMeta (drv.overrideAttrs f);
        };
      # Each output of a (single-output) derivation is the checked derivation itself.
      withOutputs = checked // {
        out = withOutputs;
        all = [ withOutputs ];
      };
    in
    withOutputs;

  # nixpkgs' config is checked by the module system (pkgs/top-level/config.nix); these are the
  # options the offline set reads, with their types. Other names are accepted, as nixpkgs'
  # freeform config accepts them.
  optionTypes = {
    allowUnfree = { check = isBool; type = "boolean"; fix = "true or false"; };
    allowBroken = { check = isBool; type = "boolean"; fix = "true or false"; };
    allowUnsupportedSystem = { check = isBool; type = "boolean"; fix = "true or false"; };
    allowUnfreePredicate = { check = isFunction; type = "function that evaluates to a(n) boolean"; fix = "a function such as pkg: builtins.elem (lib.getName pkg) [ \"name\" ]"; };
    allowInsecurePredicate = { check = isFunction; type = "function that evaluates to a(n) boolean"; fix = "a function such as pkg: builtins.elem pkg.name [ \"name-1.0\" ]"; };
    allowUnfreePackages = { check = v: isList v && all isString v; type = "list of string"; fix = "a list of package names such as [ \"unrar\" ]"; };
    permittedInsecurePackages = { check = v: isList v && all isString v; type = "list of string"; fix = "a list of \"name-version\" strings such as [ \"olm-3.2.13\" ]"; };
    problems = {
      check =
        v:
        isAttrs v
        && all (k: elem k [ "handlers" "matchers" ]) (attrNames v)
        && (
          !v ? handlers
          || isAttrs v.handlers && all (p: isAttrs v.handlers.${p} && all (n: elem v.handlers.${p}.${n} [ "error" "warn" "ignore" ]) (attrNames v.handlers.${p})) (attrNames v.handlers)
        )
        && (!v ? matchers || isList v.matchers && all (m: isAttrs m && elem (m.handler or null) [ "error" "warn" "ignore" ]) v.matchers);
      type = "submodule { handlers = attrsOf (attrsOf (one of \"error\", \"warn\", \"ignore\")); matchers = listOf { kind, name, package, handler }; }";
      fix = "for example { problems.handlers.tebreak.broken = \"warn\"; }";
    };
  };
  describe =
    v:
    if isString v then
      "the string \"${v}\""
    else if isBool v then
      (if v then "true" else "false")
    else if builtins.isInt v || builtins.isFloat v then
      "the number ${toString v}"
    else
      "a value of type ${typeOf v}";
in
{
  inherit licenses checkMeta getNameWithVersion;

  # mkDerivation for packages that nixpkgs refuses: stdenv's mkDerivation (passed in) whose
  # result goes through checkMeta; meta.position is where `pname` is written, as nixpkgs records
  # it for the refusal message.
  mkCheckedDerivation =
    mkDerivation: args:
    let
      pos = builtins.unsafeGetAttrPos "pname" args;
      meta = args.meta or { } // lib.optionalAttrs (pos != null) { position = "${pos.file}:${toString pos.line}"; };
    in
    checkMeta (mkDerivation (args // { inherit meta; }));

  # Checks the config the set is imported with: an attribute set (or a function of { pkgs }
  # returning one, as nixpkgs accepts), whose known options have their types. Returns the config
  # or throws, naming the option, what it got and what it takes.
  validateConfig =
    config:
    if !isAttrs config then
      throw "The config of the offline package set (import <nixpkgs> { config = …; }) must be an attribute set or a function { pkgs }: { … }; got ${describe config}."
    else
      let
        bad = builtins.filter (n: config ? ${n} && !optionTypes.${n}.check config.${n}) (attrNames optionTypes);
        n = builtins.head bad;
      in
      if bad == [ ] then
        config
      else
        throw "A definition for option `${n}' is not of type `${optionTypes.${n}.type}' (got ${describe config.${n}}). Set config.${n} to ${optionTypes.${n}.fix} in the config the package set is imported with (import <nixpkgs> { config = …; }).";
}
