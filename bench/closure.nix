# The bench closures, built with nix-build from host files (bench/pack.sh, bench/cold.sh).
let
  sh = name: script: derivation {
    inherit name; system = builtins.currentSystem; builder = "/bin/busybox"; args = [ "sh" "-euc" script ]; PATH = "/bin";
  };
  cp = "/bin/busybox cp -a";
  # One copy of the closure; suffix "" gives the same store paths as earlier versions of this bench.
  closure = suffix: rec {
    python = sh "bench-python3${suffix}" ''
      /bin/busybox mkdir -p $out/lib && ${cp} /usr/lib/python3 /usr/lib/python3.11 $out/lib/
    '';
    libs = sh "bench-libs${suffix}" ''
      /bin/busybox mkdir -p $out/lib
      cd /usr/lib/x86_64-linux-gnu
      for f in *; do
        case "$f" in libLLVM*|valgrind|dri|*.a) continue ;; esac
        ${cp} "$f" $out/lib/
      done
    '';
    share = sh "bench-share${suffix}" ''
      /bin/busybox mkdir -p $out/share
      for d in javascript icons mime zoneinfo i18n perl vim; do
        [ -e /usr/share/$d ] && ${cp} /usr/share/$d $out/share/
      done
      # Make it reference the others, as a real environment would.
      /bin/busybox ln -s ${python} $out/python
      /bin/busybox ln -s ${libs} $out/libs
    '';
  };
  one = closure "";
  two = closure "-b";
  links = name: targets: sh name ("/bin/busybox mkdir -p $out" + builtins.concatStringsSep "" (map (t: " && /bin/busybox ln -s ${t} $out/") targets));
  # The kernel image: python and libs shared (the server needs them), kernel k1 = the share
  # tree, kernel k2 = cmake's modules; v2 adds octave's m-files (~4% of the bytes) to k2.
  pkg = dir: sh "bench-pkg-${baseNameOf dir}" "/bin/busybox mkdir -p $out/share && ${cp} ${dir} $out/share/";
  cmake = pkg "/usr/share/cmake-3.25";
  octave = pkg "/usr/share/octave";
  k1 = links "bench-kernel-k1" [ one.share ];
  k2v1 = links "bench-kernel-k2" [ cmake ];
  k2v2 = links "bench-kernel-k2" [ cmake octave ];
  lab = version: k2: links "bench-lab-${version}" [ one.python one.libs k1 k2 ];
  # The same on the 2x closure: twice the shared paths and twice kernel k1, the same change.
  k1x2 = links "bench-kernel-k1-2x" [ one.share two.share ];
  labx2 = version: k2: links "bench-lab-2x-${version}" [ one.python one.libs two.python two.libs k1x2 k2 ];
in {
  x1 = sh "bench-env" "/bin/busybox mkdir -p $out && /bin/busybox ln -s ${one.share} $out/share";
  x2 = links "bench-env-2x" [ one.share two.share ];
  lab1 = lab "v1" k2v1;
  lab2 = lab "v2" k2v2;
  lab1x2 = labx2 "v1" k2v1;
  lab2x2 = labx2 "v2" k2v2;
  inherit k1 k1x2 k2v1 k2v2;
}
