# Debian's package database, read at evaluation time.
#
# Why at evaluation time: the derivation graph (which store path depends on which) has to be known
# before anything builds, and it follows Debian's own `Depends:` graph. /var/lib/dpkg/status is a
# plain text file (~750 KB) that Nix reads in well under a second; the per-package file lists
# (/var/lib/dpkg/info/<pkg>.list) and checksums (.md5sums) are passed to the builders as store
# copies, so the content Debian recorded for a package is an input of its derivation: a package
# upgrade changes the store path, and the builder checks the host files against those checksums.
{ lib }:
let
  inherit (builtins)
    attrNames
    concatLists
    filter
    foldl'
    groupBy
    hasAttr
    head
    isString
    listToAttrs
    map
    match
    pathExists
    readFile
    split
    substring
    ;

  statusFile = /var/lib/dpkg/status;
  infoDir = "/var/lib/dpkg/info";

  # One stanza per package, separated by a blank line. Continuation lines (leading space) belong to
  # multi-line fields (Description, Conffiles) that nothing here needs, so they are dropped.
  stanzas = filter (s: isString s && s != "") (split "\n\n" (readFile statusFile));
  parseStanza =
    text:
    listToAttrs (
      concatLists (
        map (
          line:
          let
            m = if isString line && line != "" && substring 0 1 line != " " then match "([A-Za-z0-9-]+): ?(.*)" line else null;
          in
          if m == null then [ ] else [ { name = head m; value = builtins.elemAt m 1; } ]
        ) (split "\n" text)
      )
    );
  installed = filter (f: (f.Status or "") == "install ok installed") (map parseStanza stanzas);

  # The Debian version's upstream part, as nixpkgs would name it: drop the epoch ("1:"), the Debian
  # revision ("-2", "-1+deb12u1") and repack suffixes ("+dfsg", "+ds", "~b0").
  upstreamVersion =
    v:
    let
      m = match "([0-9]+:)?([^-+~]*).*" v;
    in
    if m == null then v else builtins.elemAt m 1;

  # "a (>= 1), b:any | c" -> [ [ "a" ] [ "b" "c" ] ]
  parseDepends =
    s:
    map (
      group:
      map (alt: head (match " *([^ :(]+).*" alt)) (filter isString (split " \\| " group))
    ) (filter (g: isString g && match " *" g == null) (split ", *" s));

  packages = listToAttrs (
    map (f: {
      name = f.Package;
      value = rec {
        name = f.Package;
        version = f.Version;
        upstream = upstreamVersion f.Version;
        arch = f.Architecture;
        # Multi-Arch: same packages keep their dpkg info files under "<name>:<arch>".
        infoName = if (f.Multi-Arch or "") == "same" then "${f.Package}:${f.Architecture}" else f.Package;
        dependsRaw = parseDepends ((f.Pre-Depends or "") + ", " + (f.Depends or ""));
        listFile = "${infoDir}/${infoName}.list";
        md5sumsFile = "${infoDir}/${infoName}.md5sums";
      };
    }) installed
  );

  # Virtual package name -> installed packages providing it (e.g. libblas.so.3, python3-numpy-abi9).
  providers = builtins.mapAttrs (_: vs: map (v: v.by) vs) (
    groupBy (v: v.name) (
      concatLists (
        map (
          f:
          map (p: { name = p; by = f.Package; }) (
            concatLists (filter (x: x != [ ]) (parseDepends (f.Provides or "")))
          )
        ) installed
      )
    )
  );

  # An alternative group is satisfied by its first installed (or provided) member, as apt chose.
  resolveGroup =
    group:
    lib.findFirst (x: x != null) null (
      map (
        alt:
        if hasAttr alt packages then
          alt
        else if hasAttr alt providers then
          head providers.${alt}
        else
          null
      ) group
    );
in
{
  inherit packages upstreamVersion;
  isInstalled = name: hasAttr name packages;
  # Store copies of dpkg's record of a package: its file list and the checksums of its files.
  # builtins.path copies by content, so these are content-addressed inputs of the builders.
  listOf =
    name:
    builtins.path {
      path = /. + packages.${name}.listFile;
      name = "dpkg-${name}.list";
    };
  md5sumsOf =
    name:
    let
      f = packages.${name}.md5sumsFile;
    in
    if pathExists f then
      builtins.path {
        path = /. + f;
        name = "dpkg-${name}.md5sums";
      }
    else
      null;
  # Direct dependencies (Pre-Depends + Depends) of an installed package, each alternative group
  # resolved to one installed package. `ignore` names packages that are never materialised
  # (tools such as dpkg or gdb). A group nothing satisfies means a broken dpkg state: fail loudly.
  dependsOf =
    ignore: name:
    concatLists (
      map (
        group:
        let
          r = resolveGroup group;
        in
        if lib.findFirst (a: builtins.elem a ignore) null group != null then
          [ ]
        else if r == null then
          throw "offline-pkgs: Debian package ${name} depends on ${builtins.concatStringsSep " | " group}, which is not installed"
        else if builtins.elem r ignore then
          [ ]
        else
          [ r ]
      ) packages.${name}.dependsRaw
    );
}
