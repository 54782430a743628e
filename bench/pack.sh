#!/usr/bin/env bash
# Benchmark: `nixlab pack` against `tar | openssl sha256` on the same closure, side by side.
#
#   bench/pack.sh [RUNS]        (default 5; needs nix-build, GNU time, openssl, npm run build)
#
# Builds (nix-build, sandbox off) a realistic closure — the Python stdlib, shared libraries and
# JupyterLab-like static files copied from the host (~850 MB, ~45k files, 4 store paths) — then
# alternates the two commands RUNS times after one untimed warm-up each (page cache hot) and
# prints a markdown table: median wall time, throughput over the closure's tar bytes, the ratio,
# and nixlab's peak RSS (GNU time's maximum resident set size).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
work=$(mktemp -d /tmp/nixlab-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

for tool in nix-build nix-store openssl /usr/bin/time; do
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
baseline() { tar -C / -cf - "${paths[@]#/}" | openssl sha256 >/dev/null; }
export -f nixlab baseline
export root work
export paths_str="${paths[*]#/}"
baseline() { tar -C / -cf - $paths_str | openssl sha256 >/dev/null; }
export -f baseline

# Warm-up (page cache, node's compile cache), untimed.
nixlab; baseline

declare -a tn tb rss
for i in $(seq "$runs"); do
  /usr/bin/time -f '%e %M' -o "$work/t" bash -c nixlab
  read -r t m < "$work/t"; tn+=("$t"); rss+=("$m")
  rm -f "$work/x.tar"
  /usr/bin/time -f '%e' -o "$work/t" bash -c baseline
  read -r t < "$work/t"; tb+=("$t")
done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
mn=$(median "${tn[@]}"); mb=$(median "${tb[@]}")
peak=$(printf '%s\n' "${rss[@]}" | sort -g | tail -1)
awk -v bytes="$bytes" -v mn="$mn" -v mb="$mb" -v peak="$peak" -v files="$files" -v n="${#paths[@]}" -v runs="$runs" \
    -v cpus="$(nproc)" -v cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')" 'BEGIN {
  mib = bytes / 1048576
  tn = mib / mn; tb = mib / mb
  printf "closure: %d store paths, %d files, %.0f MiB of tar; %d runs, medians; %d CPUs (%s)\n\n", n, files, mib, runs, cpus, cpu
  printf "| command | wall (s) | throughput (MiB/s) | ratio | peak RSS (MB) |\n|---|---:|---:|---:|---:|\n"
  printf "| `tar -cf - | openssl sha256` | %.2f | %.0f | 1.00 | - |\n", mb, tb
  printf "| `nixlab pack -o x.tar` | %.2f | %.0f | %.2f | %.0f |\n", mn, tn, tn / tb, peak / 1024
  printf "\ntargets: ratio >= 0.80 (%s), peak RSS <= 120 MB (%s)\n", (tn / tb >= 0.8 ? "met" : "MISSED"), (peak / 1024 <= 120 ? "met" : "MISSED")
}'
echo "raw: nixlab ${tn[*]} | baseline ${tb[*]} | rss KB ${rss[*]}" >&2
