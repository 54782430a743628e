# Store paths made from the installed Debian packages: one derivation per Debian package (or per
# small group, see `groupSpecs`), built by builders/debian.sh. The derivation graph is Debian's
# Depends graph, so the store paths' references (RUNPATHs, shebangs, nix-support files) are the
# real run-time dependencies and each package is its own image layer.
{
  lib,
  dpkg,
  busybox,
  system,
  pythonVersion,
  sitecustomize,
}:
let
  inherit (builtins)
    concatLists
    filter
    genericClosure
    hasAttr
    listToAttrs
    map
    ;

  pythonLibDir = "lib/python${pythonVersion}";
  sitePackages = "${pythonLibDir}/site-packages";

  # Dependencies that are never turned into store paths. Following them would pull tools and
  # host configuration into every closure:
  ignore = [
    # maintainer-script machinery (postinst/prerm), never run inside an image
    "debconf"
    "dpkg"
    "tar"
    "ucf"
    "adduser"
    "passwd"
    "debianutils"
    "sensible-utils"
    "init-system-helpers"
    "lsb-base"
    "libc-bin"
    "libc-l10n"
    # gdb (a debugger some packages depend on to attach to running processes) drags in
    # libpython3.11.so, boost and more; nothing in the set runs it.
    "gdb"
    # data read from compiled-in /usr/share or /etc paths, which a store path cannot serve (the
    # readers fall back to built-in tables); CA certificates are the separate `cacert`
    # attribute, as in nixpkgs. (tzdata is kept: pytz and zoneinfo are pointed at its store path
    # below.)
    "media-types"
    "mime-support"
    "readline-common"
    "ca-certificates"
    "openssl"
    # documentation only
    "gcc-12-base"
    # The GLX vendor library (Mesa) that libGL (libglvnd) dlopens to draw on an X display; it
    # pulls in Mesa's DRI drivers and LLVM (~160 MB). As with nixpkgs' libGL, which finds drivers
    # in /run/opengl-driver at run time instead of depending on Mesa, nothing here draws with
    # OpenGL: Octave links libGL for its FLTK plot windows, which need an X display.
    "libglx-mesa0"
  ];

  # Debian packages merged into one store path.
  groupSpecs = extraGroupSpecs // jdkGroupSpecs // {
    # libc6 and libgcc-s1 depend on each other (a store path cannot); nixpkgs' glibc also ships
    # libgcc_s.so.1 in its lib/ (glibc dlopens it to unwind in pthread_cancel/pthread_exit).
    glibc = {
      members = [ "libc6" "libgcc-s1" ];
      kind = "glibc";
      name = "glibc-${dpkg.packages.libc6.upstream}";
    };
    # The interpreter and its standard library, which Debian splits over several packages
    # (distutils and lib2to3 are part of the 3.11 standard library everywhere else).
    python3 = {
      members = [
        "python3.11-minimal"
        "libpython3.11-minimal"
        "libpython3.11-stdlib"
        "python3.11"
        "python3-minimal"
        "python3"
        "libpython3-stdlib"
        "python3-distutils"
        "python3-lib2to3"
      ];
      kind = "interpreter";
      name = "python3-${dpkg.packages."python3.11".upstream}";
      # zoneinfo's search path is compiled in as /usr/share/zoneinfo:...; point it at the tzdata
      # store path, as nixpkgs' python does (configure --with-tzpath).
      extraDeps = [ "tzdata" ];
      substitutions = [
        {
          file = "${pythonLibDir}/_sysconfigdata__x86_64-linux-gnu.py";
          from = "'TZPATH': '/usr/share/zoneinfo:/usr/lib/zoneinfo:/usr/share/lib/zoneinfo:/etc/zoneinfo'";
          to = "'TZPATH': '${groups.tzdata}/share/zoneinfo'";
        }
      ];
    };
    # R (r-base-core) as nixpkgs' R lays it out: R_HOME = lib/R, R packages (r-cran-*) in their
    # own store paths' library/ (see builders/debian.sh, kind "R"). zip, unzip, xdg-utils and
    # paperconf are programs R runs by name from PATH on request (zip(), browseURL(), ...);
    # following them would only add empty store paths (no bin/ is taken from Debian packages).
    r-base-core = {
      members = [ "r-base-core" ];
      kind = "R";
      # "4.2.2.20221110" is a snapshot of R 4.2.2
      name = "R-${builtins.head (builtins.match "([0-9]+[.][0-9]+[.][0-9]+).*" dpkg.packages.r-base-core.upstream)}";
      ignoreDepends = [
        "zip"
        "unzip"
        "xdg-utils"
        "libpaper-utils"
      ];
      # R's message translations (as /usr/share/locale elsewhere) and its HTML manuals.
      excludePaths = [
        "/usr/lib/R/library/translations"
        "/usr/share/R/doc/html"
        "/usr/share/R/doc/manual"
      ];
      # lib/R/bin/R is Debian's (R's) shell front end: it must run from the store, so its
      # compiled-in directories point into this store path and its bash shebang at the store
      # busybox sh (the script is POSIX sh; nixpkgs runs it with bash, which this set lacks).
      substitutions =
        let
          out = builtins.placeholder "out";
        in
        [
          {
            file = "lib/R/bin/R";
            from = "#!/bin/bash";
            to = "#!${busybox}/bin/sh";
          }
          {
            file = "lib/R/bin/R";
            from = "R_HOME_DIR=/usr/lib/R";
            to = "R_HOME_DIR=${out}/lib/R";
          }
          {
            file = "lib/R/bin/R";
            from = "R_SHARE_DIR=/usr/share/R/share";
            to = "R_SHARE_DIR=${out}/share/R/share";
          }
          {
            file = "lib/R/bin/R";
            from = "R_INCLUDE_DIR=/usr/share/R/include";
            to = "R_INCLUDE_DIR=${out}/share/R/include";
          }
          {
            file = "lib/R/bin/R";
            from = "R_DOC_DIR=/usr/share/R/doc";
            to = "R_DOC_DIR=${out}/share/R/doc";
          }
          {
            file = "lib/R/bin/R";
            from = "SED=/bin/sed";
            to = "SED=${busybox}/bin/sed";
          }
          # etc/Renviron is made from Debian's template (Renviron.ucf, see the builder): no
          # site library under the host's /usr/local, and sed from the store.
          {
            file = "lib/R/etc/Renviron.ucf";
            from = "R_LIBS_SITE=\${R_LIBS_SITE:-'/usr/local/lib/R/site-library:%S'}";
            to = "R_LIBS_SITE=\${R_LIBS_SITE:-'%S'}";
          }
          {
            file = "lib/R/etc/Renviron.ucf";
            from = "SED=\${SED-'/bin/sed'}";
            to = "SED=\${SED-'${busybox}/bin/sed'}";
          }
        ];
    };
    # GNU Octave as nixpkgs' `octave` is: without the Qt GUI (nixpkgs' enableQt defaults to
    # false; octaveFull has it), so Debian's liboctgui, octave-gui and the Qt libraries are left
    # out. octave-common (m-files, docstrings) shares the prefix: Octave finds everything
    # relative to one OCTAVE_HOME (see builders/debian.sh, kind "octave"). texinfo (makeinfo, for
    # help texts not in the doc caches) is build-time only in nixpkgs' octave too.
    octave = {
      members = [
        "octave"
        "octave-common"
      ];
      kind = "octave";
      name = "octave-${dpkg.packages.octave.upstream}";
      ignoreDepends = [
        "libqt5core5a"
        "libqt5gui5"
        "libqt5gui5-gles"
        "libqt5help5"
        "libqt5network5"
        "libqt5printsupport5"
        "libqt5widgets5"
        "libqt5xml5"
        "libqscintilla2-qt5-15"
        "texinfo"
      ];
      excludePaths =
        let
          v = dpkg.packages.octave.upstream;
        in
        [
          "/usr/lib/x86_64-linux-gnu/octave/${v}/liboctgui.so"
          "/usr/lib/x86_64-linux-gnu/octave/${v}/liboctgui.so.8"
          "/usr/lib/x86_64-linux-gnu/octave/${v}/liboctgui.so.8.0.0"
          # the GUI's Qt help collection and translations, and Octave's own test suite
          "/usr/share/octave/${v}/doc"
          "/usr/share/octave/${v}/locale"
          "/usr/share/octave/${v}/etc/tests"
        ];
    };
    # One library of this package (SUNDIALS' PETSc SNES solver) links PETSc, which drags in MPI,
    # hypre, MUMPS, Trilinos and an ssh client (~250 MB); Octave's ode15s/ode15i use the KLU
    # solver of the same package. The PETSc solver is left out, and with it those dependencies.
    libsundials-sunlinsol3 = {
      members = [ "libsundials-sunlinsol3" ];
      ignoreDepends = [
        "libpetsc-real3.18"
        "libsundials-nvecparallel-petsc6"
      ];
      excludePaths = [
        "/usr/lib/x86_64-linux-gnu/libsundials_sunnonlinsolpetscsnes.so.6.4.1"
        "/usr/lib/x86_64-linux-gnu/libsundials_sunnonlinsolpetscsnes.so.6"
        "/usr/lib/x86_64-linux-gnu/libsundials_sunnonlinsolpetscsnes.so"
      ];
    };
  };

  # OpenJDK 17 (Debian's openjdk-17-jre-headless + openjdk-17-jdk-headless, one store path: the
  # JDK's files live in the JRE's tree) laid out as nixpkgs' headless openjdk
  # (pkgs/development/compilers/openjdk/generic.nix): the JDK home is lib/openjdk, bin/ links to
  # its bin/ (see builders/debian.sh, kind "jdk"). Its configuration, which Debian keeps in
  # /etc/java-17-openjdk and links into the home's conf/ and lib/, is copied into
  # lib/openjdk/etc. Headless as nixpkgs' jdk17_headless: the libraries that draw, print, play
  # sound, read fonts, colour profiles, JPEG or smart cards (libfontmanager, liblcms,
  # libjavajpeg, libjsound, libj2pcsc) and their Debian dependencies are left out; nixpkgs'
  # headless build removes libjsound and libfontmanager too. ca-certificates-java's keystore
  # (lib/security/cacerts -> /etc/ssl/certs/java/cacerts, made by a maintainer script) is host
  # state: left out, so TLS from Java has no trusted roots (nothing here goes online).
  jdkGroupSpecs = {
    openjdk-17-jdk-headless =
      let
        home = "/usr/lib/jvm/java-17-openjdk-amd64";
      in
      {
        members = [
          "openjdk-17-jre-headless"
          "openjdk-17-jdk-headless"
        ];
        kind = "jdk";
        # libjvm.so, which the JDK's other libraries NEED (the java launcher loads it first)
        libDirs = [
          "lib/openjdk/lib/server"
          "lib/openjdk/lib"
        ];
        name = "openjdk-headless-${dpkg.packages.openjdk-17-jre-headless.upstream or "missing"}";
        ignoreDepends = [
          "ca-certificates-java"
          "java-common"
          "util-linux"
          "libcups2"
          "libfontconfig1"
          "libfreetype6"
          "libharfbuzz0b"
          "liblcms2-2"
          "libjpeg62-turbo"
          "libnss3"
          "libasound2"
          "libpcsclite1"
        ];
        excludePaths = [
          "${home}/lib/libfontmanager.so"
          "${home}/lib/liblcms.so"
          "${home}/lib/libjavajpeg.so"
          "${home}/lib/libjsound.so"
          "${home}/lib/libj2pcsc.so"
          "${home}/lib/src.zip"
          "${home}/legal"
          "${home}/man"
          "/usr/lib/debug"
        ];
      };
  };

  # --- pkgs-misc addition (bash; see offline/bash.nix) ---
  # GNU Bash (Debian's `bash`) as nixpkgs' bashInteractive: bin/bash only. base-files (the
  # host's /etc skeleton) is a Depends for the maintainer scripts, not for running bash.
  extraGroupSpecs = {
    bash = {
      members = [ "bash" ];
      name = "bash-interactive-${bashVersion}";
      ignoreDepends = [ "base-files" ];
      binFiles = [ "/usr/bin/bash" ];
    };
    # Git (Debian's `git`; pkgs.nix wraps it as nixpkgs' gitMinimal): bin/git only, which has every command
    # jupyterlab-git runs built in. Left out: perl and liberror-perl (git's Perl scripts:
    # send-email, svn, add--interactive's old form), git-man, and libcurl3-gnutls and libexpat1
    # (the HTTP transports in lib/git-core, which is not taken: no network in an image's tests,
    # and a store path cannot serve git's compiled-in exec path); the templates and gitweb in
    # share/ are only looked up at compiled-in /usr paths.
    git = {
      members = [ "git" ];
      name = "git-debian-${dpkg.packages.git.upstream or "missing"}";
      ignoreDepends = [ "perl" "liberror-perl" "git-man" "libcurl3-gnutls" "libexpat1" ];
      excludePaths = [ "/usr/share/git-core" "/usr/share/gitweb" ];
      binFiles = [ "/usr/bin/git" ];
    };
    # nss_wrapper (Debian's `libnss-wrapper`) as nixpkgs' `nss_wrapper`: lib/libnss_wrapper.so,
    # which the image's start preloads to give an unknown uid a name (nix/start.sh). Its CMake and
    # pkg-config files name /usr paths and are for building against it only.
    libnss-wrapper = {
      members = [ "libnss-wrapper" ];
      name = "nss_wrapper-${dpkg.packages.libnss-wrapper.upstream or "missing"}";
      excludePaths = [ "/usr/lib/x86_64-linux-gnu/cmake" "/usr/lib/x86_64-linux-gnu/pkgconfig" ];
    };
    # GNU coreutils (Debian's `coreutils`) as nixpkgs' `coreutils`: every program Debian installs
    # in /bin and /usr/bin, in bin/ (read from dpkg's file list). The image's `id` and `whoami`
    # come from it: busybox is static, so it never sees nss_wrapper's names.
    coreutils = {
      members = [ "coreutils" ];
      name = "coreutils-${dpkg.packages.coreutils.upstream}";
      binFiles = map (p: "/usr${lib.removePrefix "/usr" p}") (
        filter (l: builtins.isString l && builtins.match "(/usr)?/bin/[^/]+" l != null) (
          builtins.split "\n" (builtins.readFile dpkg.packages.coreutils.listFile)
        )
      );
    };
    # libolm (offline/refusals.nix: nixpkgs' `olm`, marked insecure), named as nixpkgs names it.
    libolm3 = {
      members = [ "libolm3" ];
      name = "olm-${dpkg.packages.libolm3.upstream or "missing"}";
    };
  };
  # Debian's 5.2.15 is bash 5.2 with upstream patch level 15: nixpkgs writes that "5.2p15".
  bashVersion =
    let
      m = builtins.match "([0-9]+[.][0-9]+)[.]([0-9]+)" dpkg.packages.bash.upstream;
    in
    if m == null then dpkg.packages.bash.upstream else "${builtins.elemAt m 0}p${builtins.elemAt m 1}";
  # --- end of pkgs-misc addition ---

  groupKeyOfMember = listToAttrs (
    concatLists (
      lib.mapAttrsToList (key: spec: map (m: { name = m; value = key; }) spec.members) groupSpecs
    )
  );
  keyOf = debName: groupKeyOfMember.${debName} or debName;
  membersOf =
    key:
    if hasAttr key groupSpecs then
      map (
        m:
        if dpkg.isInstalled m then
          m
        else
          throw "offline-pkgs: Debian package ${m} (part of ${key}) is not installed; see offline/README.md"
      ) groupSpecs.${key}.members
    else if dpkg.isInstalled key then
      [ key ]
    else
      throw "offline-pkgs: Debian package ${key} is not installed; see offline/README.md";

  # Host paths left out of every store path. Debian's sitecustomize.py is a link to an apport
  # hook in /etc (replaced by ./python/sitecustomize.py); MathJax's "unpacked" and "test" trees are
  # uncompressed duplicates and tests of the packed files the notebook loads (23 MB).
  # /usr/lib/python3.X/dist-packages is Debian's deprecated per-version dist-packages: Debian's
  # site.py would put it on sys.path ahead of site-packages, and python3-numpy only keeps a
  # 4.6 MB duplicate of one extension module there.
  excludePaths = [
    "/usr/${pythonLibDir}/sitecustomize.py"
    "/usr/${pythonLibDir}/dist-packages"
    "/usr/share/javascript/mathjax/unpacked"
    "/usr/share/javascript/mathjax/test"
  ];

  # Library directories below lib/ that programs find through their launcher's
  # LD_LIBRARY_PATH rather than a RUNPATH (R's libR.so: bin/R sets R_HOME/lib). The builder
  # looks there too when it resolves NEEDED libraries.
  libDirs = [ "lib/R/lib" ];

  specOf = key: groupSpecs.${key} or { };
  depsOf =
    key:
    lib.unique (
      filter (k: k != key) (
        map keyOf (concatLists (map (dpkg.dependsOf (ignore ++ (specOf key).ignoreDepends or [ ])) (membersOf key)))
        ++ (specOf key).extraDeps or [ ]
      )
    );
  # All dependencies, nearest first (genericClosure keeps discovery order).
  closureOf =
    key:
    map (x: x.key) (
      genericClosure {
        startSet = map (k: { key = k; }) (depsOf key);
        operator = x: map (k: { key = k; }) (depsOf x.key);
      }
    );

  kindOf =
    key:
    if hasAttr key groupSpecs && groupSpecs.${key} ? kind then
      groupSpecs.${key}.kind
    else if lib.hasPrefix "r-cran-" key then
      "r"
    else
      "native";

  # The R name of a Debian R package (r-cran-irkernel -> IRkernel): the directory it installs
  # under /usr/lib/R/site-library, read from dpkg's file list.
  rNameOf =
    key:
    let
      dirs = filter (x: x != null) (
        map (l: if builtins.isString l then builtins.match "/usr/lib/R/site-library/([^/]+)" l else null) (
          builtins.split "\n" (builtins.readFile dpkg.packages.${key}.listFile)
        )
      );
    in
    if dirs == [ ] then throw "offline-pkgs: ${key} installs nothing under /usr/lib/R/site-library" else builtins.head (builtins.head dirs);

  nameOf =
    key:
    let
      v = dpkg.packages.${builtins.head (membersOf key)}.upstream;
    in
    if hasAttr key groupSpecs && groupSpecs.${key} ? name then
      groupSpecs.${key}.name
    else if kindOf key == "r" then
      # nixpkgs' R packages: "r-<R name>-<version>"
      "r-${rNameOf key}-${v}"
    else
      "${key}-${v}";

  # patchelf itself and what it links against are patched with the host's /usr/bin/patchelf
  # (identified by its dpkg checksums); everything else uses the store copy.
  bootstrapKeys = [ "patchelf" ] ++ closureOf "patchelf";

  mkGroup =
    key:
    let
      members = membersOf key;
      closure = closureOf key;
      kind = kindOf key;
      md5sums = filter (x: x != null) (map dpkg.md5sumsOf members);
      bootstrap = builtins.elem key bootstrapKeys;
    in
    if builtins.elem key closure then
      throw "offline-pkgs: Debian dependency cycle through ${key} (${builtins.concatStringsSep ", " closure}); merge the packages into one entry of groupSpecs in debian.nix"
    else
      derivation ({
        name = nameOf key;
        inherit
          system
          kind
          pythonLibDir
          sitePackages
          ;
        libDirs = libDirs ++ (specOf key).libDirs or [ ];
        excludePaths = excludePaths ++ (specOf key).excludePaths or [ ];
        builder = "${busybox}/bin/sh";
        args = [
          "-e"
          ./builders/debian.sh
        ];
        PATH = "${busybox}/bin";
        shell = "${busybox}/bin/sh";
        debPackages = members;
        debVersions = map (m: dpkg.packages.${m}.version) members;
        dpkgLists = map dpkg.listOf members;
        dpkgMd5sums = md5sums;
        depPaths = map (k: groups.${k}) closure;
        glibc = if key == "glibc" then "" else groups.glibc;
        patchelf = if bootstrap then "/usr/bin/patchelf" else "${groups.patchelf}/bin/patchelf";
        hostPatchelf = if bootstrap then dpkg.md5sumsOf "patchelf" else "";
        # The only executables taken from Debian's bin/: the interpreter, octave-cli and patchelf
        # (Python packages get their console scripts generated from entry points instead; R's
        # programs are in R_HOME's bin/).
        binFiles =
          if kind == "interpreter" then
            [ "/usr/bin/python${pythonVersion}" ]
          else if kind == "octave" then
            [ "/usr/bin/octave-cli" ]
          else if key == "patchelf" then
            [ "/usr/bin/patchelf" ]
          else
            (specOf key).binFiles or [ ];
        sitecustomize = if kind == "interpreter" then sitecustomize else "";
        makeWrapperSh = if kind == "R" || kind == "octave" then ./builders/make-wrapper.sh else "";
        relinkSh = ./builders/relink.sh;
        patchShebangsSh = ./builders/patch-shebangs.sh;
        # Literal replacements in copied files ("file<TAB>from<TAB>to" lines); each must match.
        substitutions = lib.concatMapStrings (x: "${x.file}\t${x.from}\t${x.to}\n") (
          (specOf key).substitutions or [ ]
        );
        passAsFile = [ "substitutions" ];
        preferLocalBuild = true;
        allowSubstitutes = false;
      }
      # the interpreter's standard library gets its bytecode (only there: other groups keep
      # their derivations as they were)
      // lib.optionalAttrs (kind == "interpreter") { bytecodeSh = ./builders/bytecode.sh; });

  # One (lazy) derivation per installed Debian package or group; only what the exposed attributes
  # reach is ever instantiated. (listToAttrs keeps the first of duplicate group keys.)
  groups = listToAttrs (
    map (
      k:
      {
        name = k;
        value = mkGroup k;
      }
    ) (map keyOf (builtins.attrNames dpkg.packages))
  );
in
{
  inherit
    groups
    keyOf
    depsOf
    kindOf
    closureOf
    rNameOf
    ;
}
