# nixpkgs' octavePackages (pkgs/top-level/octave-packages.nix, one directory each in
# pkgs/development/octave-modules) -> Debian 12's packages. The names are the same as Octave
# Forge's; Debian calls each octave-<name> (apt-cache policy checked each one).
{
  # Debian 12 has these: real when installed (see README.md "Debian packages"), else the attribute
  # throws naming the apt package to add.
  debian = {
    arduino = "octave-arduino";
    audio = "octave-audio";
    bim = "octave-bim";
    bsltl = "octave-bsltl";
    cgi = "octave-cgi";
    communications = "octave-communications";
    control = "octave-control";
    data-smoothing = "octave-data-smoothing";
    dataframe = "octave-dataframe";
    dicom = "octave-dicom";
    divand = "octave-divand";
    doctest = "octave-doctest";
    econometrics = "octave-econometrics";
    financial = "octave-financial";
    fits = "octave-fits";
    fpl = "octave-fpl";
    fuzzy-logic-toolkit = "octave-fuzzy-logic-toolkit";
    ga = "octave-ga";
    general = "octave-general";
    geometry = "octave-geometry";
    gsl = "octave-gsl";
    image = "octave-image";
    image-acquisition = "octave-image-acquisition";
    instrument-control = "octave-instrument-control";
    interval = "octave-interval";
    io = "octave-io";
    level-set = "octave-level-set";
    linear-algebra = "octave-linear-algebra";
    lssa = "octave-lssa";
    mapping = "octave-mapping";
    matgeom = "octave-matgeom";
    miscellaneous = "octave-miscellaneous";
    msh = "octave-msh";
    mvn = "octave-mvn";
    nan = "octave-nan";
    ncarray = "octave-ncarray";
    netcdf = "octave-netcdf";
    nurbs = "octave-nurbs";
    octclip = "octave-octclip";
    octproj = "octave-octproj";
    optics = "octave-optics";
    optim = "octave-optim";
    optiminterp = "octave-optiminterp";
    parallel = "octave-parallel";
    quaternion = "octave-quaternion";
    queueing = "octave-queueing";
    signal = "octave-signal";
    sockets = "octave-sockets";
    sparsersb = "octave-sparsersb";
    splines = "octave-splines";
    statistics = "octave-statistics";
    stk = "octave-stk";
    strings = "octave-strings";
    struct = "octave-struct";
    symbolic = "octave-symbolic";
    tsa = "octave-tsa";
    vibes = "octave-vibes";
    vrml = "octave-vrml";
    zeromq = "octave-zeromq";
  };

  # In nixpkgs, absent from Debian 12 (apt-cache policy: no candidate).
  missing = [
    "database"
    "fem-fenics"
    "generate_html"
    "ltfat"
    "ocl"
    "tisean"
    "video"
    "windows"
  ];
}
