# The demo's shell kernel: a Python wrapper kernel with ipykernel, started as `sh-kernel`.
# nixlab calls this file with { pkgs } and joins the result into the kernel's environment.
# nixpkgs API used: python3.withPackages (pkgs/development/interpreters/python/wrapper.nix),
# runCommand (pkgs/build-support/trivial-builders/default.nix), busybox.
{ pkgs }:
let
  python = pkgs.python3.withPackages (ps: [ ps.ipykernel ]);
in
pkgs.runCommand "sh-kernel"
  {
    kernelPy = ./sh_kernel.py;
  }
  ''
    mkdir -p "$out/bin" "$out/share/sh-kernel"
    cp "$kernelPy" "$out/share/sh-kernel/sh_kernel.py"
    cat > "$out/bin/sh-kernel" <<EOS
    #!${pkgs.busybox}/bin/sh
    export SH_KERNEL_SHELL=${pkgs.busybox}/bin/sh
    exec ${python}/bin/python3 $out/share/sh-kernel/sh_kernel.py "\$@"
    EOS
    chmod 0555 "$out/bin/sh-kernel"
  ''
