#!/usr/bin/env bash
# Benchmarks, each side by side with its baseline in the same run (alternating, page cache hot,
# one untimed warm-up each, medians of RUNS):
#   1. cold pack: `nixlab pack --no-cache` (docker-archive and OCI directory) against
#      `tar -C / -cf - <closure> | openssl sha256`, on a 1× and a 2× closure: throughput ratio
#      and peak RSS (GNU time's maximum resident set size) for both sizes;
#   2. warm rebuild: a kernel image (shared paths, two kernels) packed into an OCI layout, one
#      package added to one kernel, packed again into the same layout with the digest cache,
#      against packing that second image cold;
#   3. start-up: `nixlab validate` and `nixlab generate` of examples/polyglot (nine kernels, a
#      TypeScript config) with hyperfine, against `node -e 0`.
#
#   bench/pack.sh [RUNS]        (default 5; needs nix-build, GNU time, openssl, bc, hyperfine, dist/)
#   NIXLAB_PREV=DIR bench/pack.sh [RUNS]
#                               also runs DIR's nixlab (an earlier checkout, built with npm run build)
#                               side by side, in the same loops: rows marked "(previous)"
#
# The closures are built with nix-build (sandbox off) from host files: the Python 3.11 stdlib,
# most of /usr/lib/x86_64-linux-gnu and a few /usr/share trees (~770 MiB of tar, ~38k files,
# 4 store paths); the 2× closure adds a second copy under other names (first run: ~1.7 GB
# copied into the store). Results and the machine they were measured on: bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
work=$(mktemp -d /tmp/nixlab-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

for tool in nix-build nix-store openssl bc hyperfine /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install time openssl bc hyperfine; Nix)" >&2; exit 1; }
done
if [ ! -f dist/src/commands/pack.js ]; then
  echo "bench: building (npm run build)" >&2
  npm run build >&2
fi
prev=${NIXLAB_PREV:-}
if [ -n "$prev" ]; then
  [ -f "$prev/bin/run.js" ] && [ -d "$prev/dist" ] || { echo "bench: NIXLAB_PREV=$prev is not a built nixlab checkout (bin/run.js, dist/)" >&2; exit 1; }
  prev=$(cd "$prev" && pwd)
  prev_rev=$(git -C "$prev" rev-parse --short HEAD 2>/dev/null || echo '?')
fi
export prev
manifest=yes
[ -f oclif.manifest.json ] || { manifest=no; echo "bench: no oclif.manifest.json (npm run build writes it with scripts/oclif-manifest.js): start-up figures include loading every command" >&2; }


echo "bench: building the closures (first time: copies ~1.7 GB into the store)" >&2
build() { nix-build --no-out-link bench/closure.nix -A "$1"; }
x1=$(build x1); x2=$(build x2); k2v1=$(build k2v1); k2v2=$(build k2v2)
export work x1 x2 k2v1 k2v2

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
max() { printf '%s\n' "$@" | sort -g | tail -1; }
# timed NAME CMD: appends wall, CPU and max RSS (KB) of one run to the arrays <NAME>_wall etc.
timed() {
  local name=$1; shift
  /usr/bin/time -f '%e %U %S %M' -o "$work/t" bash -c "$*" >/dev/null
  local t u s m; read -r t u s m < "$work/t"
  eval "${name}_wall+=($t); ${name}_cpu+=($(echo "$u + $s" | bc)); ${name}_rss+=($m)"
}
row() { # row LABEL NAME MIB BASELINE_WALL SHOW_RSS
  local w c; w=$(median $(eval echo "\${$2_wall[@]}")); c=$(median $(eval echo "\${$2_cpu[@]}"))
  local rss="-"; [ "$5" = yes ] && rss=$(awk -v k="$(max $(eval echo "\${$2_rss[@]}"))" 'BEGIN { printf "%.0f", k / 1024 }')
  awk -v l="$1" -v w="$w" -v c="$c" -v mib="$3" -v b="$4" -v rss="$rss" 'BEGIN { printf "| %s | %.2f | %.2f | %.0f | %.2f | %s |\n", l, w, c, mib / w, b / w, rss }'
}

# --- 1. cold pack, 1× and 2× -------------------------------------------------------------
cold() { # cold SIZE ROOT
  local size=$1 root=$2
  mapfile -t paths < <(nix-store -qR "$root")
  local files bytes
  files=$(find "${paths[@]}" | wc -l)
  bytes=$(tar -C / -cf - "${paths[@]#/}" | wc -c)
  export paths_str="${paths[*]#/}" root
  local base="tar -C / -cf - \$paths_str | openssl sha256"
  local tee="tar -C / -cf - \$paths_str | tee \$work/y.tar | openssl sha256"
  local docker="rm -f \$work/x.tar; node bin/run.js pack \$root -o \$work/x.tar --no-cache"
  local oci="rm -rf \$work/oci; node bin/run.js pack \$root --format oci -o \$work/oci --no-cache"
  # The same docker-archive bytes to stdout into /dev/null: what packing costs without the output
  # file, which the baseline does not write either.
  local null="node bin/run.js pack \$root -o - --no-cache 2>/dev/null >/dev/null"
  local pdocker="rm -f \$work/p.tar; node \$prev/bin/run.js pack \$root -o \$work/p.tar --no-cache"
  # Warm-up (page cache), untimed.
  bash -c "$base" >/dev/null; bash -c "$docker" >/dev/null; bash -c "$oci" >/dev/null; bash -c "$null"
  [ -n "$prev" ] && bash -c "$pdocker" >/dev/null
  unset b_wall b_cpu b_rss f_wall f_cpu f_rss d_wall d_cpu d_rss o_wall o_cpu o_rss n_wall n_cpu n_rss p_wall p_cpu p_rss
  declare -ga b_wall=() b_cpu=() b_rss=() f_wall=() f_cpu=() f_rss=() d_wall=() d_cpu=() d_rss=() o_wall=() o_cpu=() o_rss=() n_wall=() n_cpu=() n_rss=() p_wall=() p_cpu=() p_rss=()
  # Each output is deleted right after its run: its dirty pages are dropped instead of being
  # written back to disk during the next command (which would bill that command for it).
  for _ in $(seq "$runs"); do
    timed d "$docker"; rm -f "$work/x.tar"
    timed b "$base"
    timed o "$oci"; rm -rf "$work/oci"
    timed f "$tee"; rm -f "$work/y.tar"
    timed n "$null"
    if [ -n "$prev" ]; then timed p "$pdocker"; rm -f "$work/p.tar"; fi
  done
  local mib bw; mib=$(awk -v b="$bytes" 'BEGIN { print b / 1048576 }'); bw=$(median "${b_wall[@]}")
  printf '\n**%s closure**: %d store paths, %d files, %.0f MiB of tar\n\n' "$size" "${#paths[@]}" "$files" "$mib"
  printf '| command | wall (s) | CPU user+sys (s) | throughput (MiB/s) | ratio | peak RSS (MB) |\n|---|---:|---:|---:|---:|---:|\n'
  row 'baseline: `tar -cf - \| openssl sha256`' b "$mib" "$bw" no
  row '(context) `tar -cf - \| tee x.tar \| openssl sha256`' f "$mib" "$bw" no
  row '`nixlab pack --no-cache -o x.tar` (docker-archive)' d "$mib" "$bw" yes
  row '`nixlab pack --no-cache --format oci -o dir`' o "$mib" "$bw" yes
  row '(context) `nixlab pack --no-cache -o - >/dev/null` (no file written)' n "$mib" "$bw" yes
  [ -n "$prev" ] && row "(previous, $prev_rev) \`nixlab pack --no-cache -o x.tar\`" p "$mib" "$bw" yes
  eval "rss_$size=\$(max \"\${d_rss[@]}\" \"\${o_rss[@]}\"); ratio_d_$size=\$(awk -v b=$bw -v w=\$(median \"\${d_wall[@]}\") 'BEGIN { print b / w }'); ratio_o_$size=\$(awk -v b=$bw -v w=\$(median \"\${o_wall[@]}\") 'BEGIN { print b / w }')"
}

printf 'machine: %d CPUs (%s), %s; node %s; oclif manifest: %s; %d runs, medians; load average before: %s\n' \
  "$(nproc)" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')" "$(free -g | awk '/Mem:/ { print $2 " GB RAM" }')" \
  "$(node --version)" "$manifest" "$runs" "$(cut -d' ' -f1-3 /proc/loadavg)"
cold 1x "$x1"
cold 2x "$x2"

# --- 2. warm rebuild into an OCI layout ---------------------------------------------------
warm() { # warm SIZE LAB1-ATTR LAB2-ATTR K1-ATTR
  local size=$1
  export lab1 lab2 k1
  lab1=$(build "$2"); lab2=$(build "$3"); k1=$(build "$4")
  local groups1="--group k1=\$k1 --group k2=\$k2v1" groups2="--group k1=\$k1 --group k2=\$k2v2"
  # v1 packed into a fresh layout and cache (untimed); then v2 (timed) into the same layout and cache.
  local setup="rm -rf \$work/lab \$work/cache; NIXLAB_CACHE_DIR=\$work/cache node bin/run.js pack \$lab1 $groups1 --format oci -o \$work/lab --tag lab:v1"
  local warm="NIXLAB_CACHE_DIR=\$work/cache node bin/run.js pack \$lab2 $groups2 --format oci -o \$work/lab --tag lab:v2 --json > \$work/warm.json"
  local cold="rm -rf \$work/lab-cold; node bin/run.js pack \$lab2 $groups2 --format oci -o \$work/lab-cold --tag lab:v2 --no-cache"
  local psetup="rm -rf \$work/plab \$work/pcache; NIXLAB_CACHE_DIR=\$work/pcache node \$prev/bin/run.js pack \$lab1 $groups1 --format oci -o \$work/plab --tag lab:v1"
  local pwarm="NIXLAB_CACHE_DIR=\$work/pcache node \$prev/bin/run.js pack \$lab2 $groups2 --format oci -o \$work/plab --tag lab:v2"
  bash -c "$cold" >/dev/null; bash -c "$setup" >/dev/null; bash -c "$warm"
  [ -n "$prev" ] && { bash -c "$psetup" >/dev/null; bash -c "$pwarm" >/dev/null; }
  unset c_wall c_cpu c_rss w_wall w_cpu w_rss q_wall q_cpu q_rss
  declare -ga c_wall=() c_cpu=() c_rss=() w_wall=() w_cpu=() w_rss=() q_wall=() q_cpu=() q_rss=()
  for _ in $(seq "$runs"); do
    timed c "$cold"; rm -rf "$work/lab-cold"
    bash -c "$setup" >/dev/null; sync
    timed w "$warm"
    if [ -n "$prev" ]; then bash -c "$psetup" >/dev/null; sync; timed q "$pwarm"; fi
  done
  rm -rf "$work/lab" "$work/lab-cold" "$work/cache" "$work/plab" "$work/pcache"
  local labbytes changed wbytes wlayers alllayers hashed cw ww
  labbytes=$(nix path-info -S --extra-experimental-features nix-command "$lab2" | awk '{ print $2 }')
  changed=$(node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const w = r.layers.filter((l) => !l.reused);
    console.log(w.reduce((n, l) => n + (l.size ?? l.blob.size), 0), w.length, r.layers.length, r.layers.filter((l) => l.hashed).length);
  ' "$work/warm.json")
  read -r wbytes wlayers alllayers hashed <<< "$changed"
  cw=$(median "${c_wall[@]}"); ww=$(median "${w_wall[@]}")
  printf '\n**warm rebuild, %s**: kernel image of %.0f MiB (NAR), %d layers; v2 adds a 24 MiB package to kernel k2: %d layers (%.1f MiB, %.1f%% of the bytes) written, %d hashed\n\n' \
    "$size" "$(echo "$labbytes / 1048576" | bc -l)" "$alllayers" "$wlayers" "$(echo "$wbytes / 1048576" | bc -l)" "$(echo "100 * $wbytes / $labbytes" | bc -l)" "$hashed"
  printf '| command | wall (s) | CPU user+sys (s) | share of cold |\n|---|---:|---:|---:|\n'
  awk -v w="$cw" -v c="$(median "${c_cpu[@]}")" 'BEGIN { printf "| cold: v2 into a new layout, `--no-cache` | %.2f | %.2f | 100%% |\n", w, c }'
  awk -v w="$ww" -v c="$(median "${w_cpu[@]}")" -v cw="$cw" 'BEGIN { printf "| warm: v2 into the layout holding v1, cache warm | %.2f | %.2f | %.1f%% |\n", w, c, 100 * w / cw }'
  [ -n "$prev" ] && awk -v w="$(median "${q_wall[@]}")" -v c="$(median "${q_cpu[@]}")" -v cw="$cw" -v r="$prev_rev" 'BEGIN { printf "| (previous, %s) warm: the same | %.2f | %.2f | %.1f%% |\n", r, w, c, 100 * w / cw }'
  eval "warm_$size=\$(awk -v w=$ww -v c=$cw 'BEGIN { print w / c }')"
}
warm 1x lab1 lab2 k1
warm 2x lab1x2 lab2x2 k1x2

# --- 3. start-up: validate and generate -----------------------------------------------------
config=examples/polyglot
[ -e "$config" ] || config=bench/fixtures/polyglot.yaml
echo
echo "**start-up** ($config; \"cold\" = empty nixlab cache, so the TypeScript config is compiled with Babel):"
echo
export NIXLAB_CACHE_DIR="$work/startup-cache"
prevcmds=()
[ -n "$prev" ] && prevcmds=("node $prev/bin/run.js validate $prev/$config")
hyperfine -N --time-unit millisecond --warmup 3 --runs 15 --export-markdown "$work/h.md" \
  'node -e 0' \
  "node bin/run.js validate $config" \
  "node bin/run.js generate $config -o $work/gen" "${prevcmds[@]}" >/dev/null 2>&1
sed 's/^| `/| `/' "$work/h.md"
hyperfine --time-unit millisecond --runs 10 --prepare "rm -rf $work/startup-cache" --export-markdown "$work/h2.md" \
  "node bin/run.js validate $config" >/dev/null 2>&1
tail -n 1 "$work/h2.md" | sed 's/| `node/| cold cache: `node/'
v=$(awk -F'|' 'NR==4 { print $3 }' "$work/h.md" | awk '{ print $1 }'); g=$(awk -F'|' 'NR==5 { print $3 }' "$work/h.md" | awk '{ print $1 }')

# --- targets ------------------------------------------------------------------------------
echo
awk -v d1="$ratio_d_1x" -v o1="$ratio_o_1x" -v r1="$rss_1x" -v r2="$rss_2x" -v w1="$warm_1x" -v w2="$warm_2x" -v v="$v" -v g="$g" 'BEGIN {
  printf "targets: cold ratio >= 0.80: docker %.2f (%s), OCI %.2f (%s); warm <= 10%% of cold: 1x %.1f%%, 2x %.1f%% (%s); ", d1, (d1 >= 0.8 ? "met" : "MISSED"), o1, (o1 >= 0.8 ? "met" : "MISSED"), 100 * w1, 100 * w2, ((w1 <= 0.1 && w2 <= 0.1) ? "met" : (w2 <= 0.1 ? "met at 2x only" : "MISSED"))
  printf "peak RSS <= 120 MB: 1x %.0f MB, 2x %.0f MB (%s); validate + generate <= 1 s: %.0f + %.0f ms (%s)\n", r1 / 1024, r2 / 1024, ((r1 <= 122880 && r2 <= 122880) ? "met" : "MISSED"), v, g, ((v + g <= 1000) ? "met" : "MISSED")
}'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
