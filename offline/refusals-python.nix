# Python packages that nixpkgs refuses to evaluate unless the config allows them, for the Python
# package set to merge into its package attribute set (see offline/README.md, "Refusals"):
#
#   pythonPackages = … // import ../refusals-python.nix { inherit lib python sitePackages; inherit (refusalArgs) mkCheckedDerivation licenses; };
#
# where refusalArgs is what pkgs.nix passes the Python set (check-meta.nix's licenses and its
# mkCheckedDerivation applied to stdenv's mkDerivation).
#
#  - gurobipy (unfree: nixpkgs pkgs/development/python-modules/gurobipy/default.nix, 11.0.3,
#    license = lib.licenses.unfree): a stand-in -- Gurobi's wheel is proprietary and not part of
#    this set. Allowed, it builds; `import gurobipy` raises ImportError saying so.
{
  lib,
  # the interpreter of the set (packages carry it as pythonModule)
  python,
  # "lib/python3.X/site-packages"
  sitePackages,
  # check-meta.nix's mkCheckedDerivation, applied to the set's mkDerivation
  mkCheckedDerivation,
  licenses,
}:
let
  pythonPackage =
    {
      pname,
      version,
      module,
      why,
      meta,
    }@args:
    mkCheckedDerivation (
      {
        name = "python${python.pythonVersion}-${pname}-${version}";
        inherit pname version why;
        buildCommand = ''
          mkdir -p $out/${sitePackages}/${module}
          cat > $out/${sitePackages}/${module}/__init__.py <<EOF
          raise ImportError("${module}: the offline package set has no real ${pname} ($why)")
          EOF
        '';
        inherit meta;
      }
      // builtins.intersectAttrs { pname = null; } args
    )
    // {
      pythonModule = python;
      propagatedBuildInputs = [ ];
      requiredPythonModules = [ ];
    };
in
{
  gurobipy = pythonPackage {
    pname = "gurobipy";
    version = "11.0.3";
    module = "gurobipy";
    why = "Gurobi's Python interface is proprietary and not packaged here";
    meta = {
      description = "Python interface to Gurobi (offline stand-in)";
      homepage = "https://www.gurobi.com";
      license = licenses.unfree;
      platforms = [ "x86_64-linux" ];
    };
  };
}
