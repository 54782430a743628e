#!/usr/bin/env bash
# Benchmark: `nixlab pack` against `tar | openssl sha256` on the same closure, side by side.
#
#   bench/pack.sh [RUNS]        (default 5; needs nix-build, GNU time, openssl, bc, a build in dist/)
#
# Builds (nix-build, sandbox off) a realistic closure — the Python stdlib, shared libraries and
# JupyterLab-like static files copied from the host (~770 MiB, ~38k files, 4 store paths) — then
# alternates the commands RUNS times after one untimed warm-up each (page cache hot) and prints
# a markdown table: median wall and CPU time, throughput over the closure's tar bytes, the ratio
# to the baseline, and nixlab's peak RSS (GNU time's maximum resident set size). A third row,
# the baseline plus writing the tar to a file (as nixlab must), is there for context.
# Results and the machine they were measured on: bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
work=$(mktemp -d /tmp/nixlab-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

for tool in nix-build nix-store openssl bc /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install time openssl; Nix)" >&2; exit 1; }
done
if [ ! -f dist/src/commands/pack.js ] && [ ! -f dist/commands/pack.js ]; then
  echo "bench: building (npm run build)" >&2
  npm run build >&2 || npx tsc -p tsconfig.build.json >&2 || true
fi

cat > "$work/closure.nix" <<'NIX'
let
  sh = name: script: derivation {
    inherit name; system = builtins.currentSystem; builder = "/bin/busybox"; args = [ "sh" "-euc" script ]; PATH = "/bin";
  };
  cp = "/bin/busybox cp -a";
  python = sh "bench-python3" ''
    /bin/busybox mkdir -p $out/lib && ${cp} /usr/lib/python3 /usr/lib/python3.11 $out/lib/
  '';
  libs = sh "bench-libs" ''
    /bin/busybox mkdir -p $out/lib
    cd /usr/lib/x86_64-linux-gnu
    for f in *; do
      case "$f" in libLLVM*|valgrind|dri|*.a) continue ;; esac
      ${cp} "$f" $out/lib/
    done
  '';
  share = sh "bench-share" ''
    /bin/busybox mkdir -p $out/share
    for d in javascript icons mime zoneinfo i18n perl vim; do
      [ -e /usr/share/$d ] && ${cp} /usr/share/$d $out/share/
    done
    # Make it reference the others, as a real environment would.
    /bin/busybox ln -s ${python} $out/python
    /bin/busybox ln -s ${libs} $out/libs
  '';
in sh "bench-env" "/bin/busybox mkdir -p $out && /bin/busybox ln -s ${share} $out/share"
NIX

echo "bench: building the closure (first time: copies ~850 MB into the store)" >&2
root=$(nix-build --no-out-link "$work/closure.nix")
mapfile -t paths < <(nix-store -qR "$root")
files=$(find "${paths[@]}" | wc -l)
bytes=$(tar -C / -cf - "${paths[@]#/}" | wc -c)

nixlab() { node bin/run.js pack "$root" -o "$work/x.tar" >/dev/null; }
export root work
export paths_str="${paths[*]#/}"
# The baseline of the brief: read and frame the closure, hash it (no output file).
baseline() { tar -C / -cf - $paths_str | openssl sha256 >/dev/null; }
# For context: the same plus writing the tar to a file, as nixlab must.
baseline_file() { tar -C / -cf - $paths_str | tee "$work/y.tar" | openssl sha256 >/dev/null; }
export -f nixlab baseline baseline_file

# Warm-up (page cache), untimed.
nixlab; baseline; baseline_file

declare -a tn tb tf cn cb cf rss
for i in $(seq "$runs"); do
  /usr/bin/time -f '%e %U %S %M' -o "$work/t" bash -c nixlab
  read -r t u s m < "$work/t"; tn+=("$t"); cn+=("$(echo "$u + $s" | bc)"); rss+=("$m")
  rm -f "$work/x.tar"
  /usr/bin/time -f '%e %U %S' -o "$work/t" bash -c baseline
  read -r t u s < "$work/t"; tb+=("$t"); cb+=("$(echo "$u + $s" | bc)")
  /usr/bin/time -f '%e %U %S' -o "$work/t" bash -c baseline_file
  read -r t u s < "$work/t"; tf+=("$t"); cf+=("$(echo "$u + $s" | bc)")
  rm -f "$work/y.tar"
done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
peak=$(printf '%s\n' "${rss[@]}" | sort -g | tail -1)
awk -v bytes="$bytes" -v mn="$(median "${tn[@]}")" -v mb="$(median "${tb[@]}")" -v mf="$(median "${tf[@]}")" \
    -v cn="$(median "${cn[@]}")" -v cb="$(median "${cb[@]}")" -v cf="$(median "${cf[@]}")" \
    -v peak="$peak" -v files="$files" -v n="${#paths[@]}" -v runs="$runs" -v load="$(cut -d' ' -f1-3 /proc/loadavg)" \
    -v cpus="$(nproc)" -v cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')" 'BEGIN {
  mib = bytes / 1048576
  tn = mib / mn; tb = mib / mb; tf = mib / mf
  printf "closure: %d store paths, %d files, %.0f MiB of tar; %d runs, medians; %d CPUs (%s); load average %s\n\n", n, files, mib, runs, cpus, cpu, load
  printf "| command | wall (s) | CPU user+sys (s) | throughput (MiB/s) | ratio | peak RSS (MB) |\n|---|---:|---:|---:|---:|---:|\n"
  printf "| baseline: `tar -cf - | openssl sha256` | %.2f | %.2f | %.0f | 1.00 | - |\n", mb, cb, tb
  printf "| (context) `tar -cf - | tee x.tar | openssl sha256` | %.2f | %.2f | %.0f | %.2f | - |\n", mf, cf, tf, tf / tb
  printf "| `nixlab pack -o x.tar` | %.2f | %.2f | %.0f | %.2f | %.0f |\n", mn, cn, tn, tn / tb, peak / 1024
  printf "\ntargets: ratio >= 0.80 (%s), peak RSS <= 120 MB (%s)\n", (tn / tb >= 0.8 ? "met" : "MISSED"), (peak / 1024 <= 120 ? "met" : "MISSED")
}'
echo "raw wall: nixlab ${tn[*]} | baseline ${tb[*]} | baseline+file ${tf[*]} | nixlab rss KB ${rss[*]}" >&2
