#!/usr/bin/env bash
# Cold pack (`--no-cache`: every layer read, framed, hashed and written) against its baselines,
# in paired rounds: each round runs every command once, in the same order, so each ratio is
# taken between runs made seconds apart (pair by pair), and the tables quote the medians of
# those ratios. Wall and CPU (user + sys of the whole process tree) and peak RSS (the largest
# process) come from GNU time. Page cache hot (one untimed warm-up of each).
#
#   bash bench/cold.sh [RUNS]          (default 5; needs nix-build, GNU time, openssl, dist/)
#   NIXLAB_PREV=DIR                    adds an earlier built checkout's docker-archive pack
#   NIXLAB_NIXPKGS=DIR                 adds DIR/pkgs/build-support/docker/stream_layered_image.py
#                                      (nixpkgs' streamLayeredImage), given the same layers,
#                                      config and system layer (bench/sli-conf.mjs), to /dev/null
#   NIXLAB_SETTLE=SECONDS              pause after removing each output (default 3; see below)
#
# Commands, on the 1× and the 2× closure of bench/closure.nix:
#   tar      tar -cf - <closure> | openssl sha256             (the throughput baseline)
#   tee      tar -cf - <closure> | tee x.tar | openssl sha256   (the same, writing a file: the CPU baseline)
#   docker   nixlab pack --no-cache -o x.tar
#   oci      nixlab pack --no-cache --format oci -o dir
#   stdout   nixlab pack --no-cache -o - >/dev/null
#   prev     NIXLAB_PREV's nixlab pack --no-cache -o x.tar
#   sli      python3 stream_layered_image.py conf.json >/dev/null
#   write    cat ref.tar >c.tar: the packed image's bytes written into a new file, nothing else (what
#            any file output pays on this machine at least; the tar baseline writes no file)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
work=$(mktemp -d /tmp/nixlab-cold.XXXXXX)
trap 'rm -rf "$work"' EXIT
for tool in nix-build nix-store openssl /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing" >&2; exit 1; }
done
[ -f dist/src/commands/pack.js ] || { echo "bench: building (npm run build)" >&2; npm run build >&2; }
prev=${NIXLAB_PREV:-}
[ -z "$prev" ] || [ -f "$prev/bin/run.js" ] || { echo "bench: NIXLAB_PREV=$prev is not a built checkout" >&2; exit 1; }
sli=
if [ -n "${NIXLAB_NIXPKGS:-}" ]; then
  sli=$NIXLAB_NIXPKGS/pkgs/build-support/docker/stream_layered_image.py
  [ -f "$sli" ] || { echo "bench: no $sli" >&2; exit 1; }
fi
export work prev sli

echo "bench: building the closures" >&2
x1=$(nix-build --no-out-link bench/closure.nix -A x1)
x2=$(nix-build --no-out-link bench/closure.nix -A x2)

# timed SIZE NAME ROUND CMD: one run, appended to $work/runs as "size name round wall cpu rss_kb".
timed() {
  local size=$1 name=$2 round=$3; shift 3
  /usr/bin/time -f '%e %U %S %M' -o "$work/t" bash -c "$*" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
  local t u s m; read -r t u s m < "$work/t"
  echo "$size $name $round $t $(echo "$u + $s" | bc) $m" >>"$work/runs"
}

cold() { # cold SIZE ROOT
  local size=$1 root=$2
  mapfile -t paths < <(nix-store -qR "$root")
  export paths_str="${paths[*]#/}" root
  local files bytes
  files=$(find "${paths[@]}" | wc -l)
  bytes=$(tar -C / -cf - "${paths[@]#/}" | wc -c)
  echo "$size ${#paths[@]} $files $bytes" >>"$work/sizes"
  declare -A cmd=(
    [tar]="tar -C / -cf - \$paths_str | openssl sha256"
    [tee]="tar -C / -cf - \$paths_str | tee \$work/y.tar | openssl sha256"
    [docker]="node bin/run.js pack \$root -o \$work/x.tar --no-cache"
    [oci]="node bin/run.js pack \$root --format oci -o \$work/oci --no-cache"
    [stdout]="node bin/run.js pack \$root -o - --no-cache >/dev/null"
  )
  local order=(docker tar oci tee stdout write)
  if [ -n "$prev" ]; then cmd[prev]="node \$prev/bin/run.js pack \$root -o \$work/p.tar --no-cache"; order+=(prev); fi
  node bin/run.js pack "$root" -o "$work/ref.tar" --no-cache >/dev/null
  cmd[write]="cat \$work/ref.tar >\$work/c.tar"
  if [ -n "$sli" ]; then
    node bench/sli-conf.mjs "$work/ref.tar" "$work/sli-$size"
    cmd[sli]="python3 \$sli \$work/sli-$size/conf.json >/dev/null"; order+=(sli)
  fi
  # Each output is removed right after its run, so its dirty pages are not written back during
  # the next command (which would bill that command for them). Then a pause, the same before
  # every command: on a VM whose balloon reports free pages to the host, memory freed a moment
  # ago is cheap to write into and memory freed seconds ago costs host faults (a 750 MiB file
  # written in 1 MiB-aligned writes: ~0.2 s of system time right after a removal, 0.8-1.0 s
  # three seconds later), so without it each command's cost depends on how long ago the one
  # before it freed its output.
  local clean="rm -rf \$work/x.tar \$work/y.tar \$work/oci \$work/p.tar \$work/c.tar; sleep ${NIXLAB_SETTLE:-3}"
  for name in "${order[@]}"; do bash -c "${cmd[$name]}; $clean" >/dev/null 2>&1; done
  for round in $(seq "$runs"); do
    for name in "${order[@]}"; do
      timed "$size" "$name" "$round" "${cmd[$name]}"
      bash -c "$clean"
    done
  done
  rm -f "$work/ref.tar"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
cold 1x "$x1"
cold 2x "$x2"
node - "$work" "$runs" "$load_before" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'JS'
const fs = require('fs');
const os = require('os');
const [work, runs, loadBefore, loadAfter] = process.argv.slice(2);
const rows = fs.readFileSync(`${work}/runs`, 'utf8').trim().split('\n').map((l) => {
  const [size, name, round, wall, cpu, rss] = l.split(' ');
  return { size, name, round: +round, wall: +wall, cpu: +cpu, rss: +rss / 1024 };
});
const sizes = Object.fromEntries(fs.readFileSync(`${work}/sizes`, 'utf8').trim().split('\n').map((l) => {
  const [size, paths, files, bytes] = l.split(' ');
  return [size, { paths: +paths, files: +files, mib: +bytes / 1048576 }];
}));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const of = (size, name) => rows.filter((r) => r.size === size && r.name === name);
const has = (size, name) => of(size, name).length > 0;
// The ratio a/b of a field, pair by pair (the same round), then the median and the range.
const ratio = (size, a, b, field) => {
  const bs = new Map(of(size, b).map((r) => [r.round, r[field]]));
  const rs = of(size, a).filter((r) => bs.has(r.round)).map((r) => r[field] / bs.get(r.round));
  return { med: median(rs), min: Math.min(...rs), max: Math.max(...rs) };
};
const fmt = (r) => `**${r.med.toFixed(2)}×** (${r.min.toFixed(2)}–${r.max.toFixed(2)})`;
const label = {
  tar: 'baseline: `tar -cf - | openssl sha256`',
  tee: 'baseline: `tar -cf - | tee x.tar | openssl sha256`',
  docker: '`nixlab pack --no-cache -o x.tar` (docker-archive)',
  oci: '`nixlab pack --no-cache --format oci -o dir`',
  stdout: '`nixlab pack --no-cache -o - >/dev/null`',
  prev: '(before) NIXLAB_PREV `nixlab pack --no-cache -o x.tar`',
  sli: "nixpkgs' `stream_layered_image.py >/dev/null`",
  write: 'floor: `cat x.tar >new.tar` (the same bytes written into a new file, nothing else)',
};
console.log(`machine: ${os.cpus().length} CPUs, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}; ${runs} rounds; load average ${loadBefore} before, ${loadAfter} after`);
const verdict = [];
for (const size of Object.keys(sizes)) {
  const z = sizes[size];
  console.log(`\n**${size} closure**: ${z.paths} store paths, ${z.files} entries, ${z.mib.toFixed(0)} MiB of tar\n`);
  console.log('| command | wall (s) | CPU (s) | peak RSS (MB) |\n|---|---:|---:|---:|');
  for (const name of Object.keys(label)) {
    if (!has(size, name)) continue;
    const rs = of(size, name);
    const rss = ['tar', 'tee', 'write'].includes(name) ? '-' : Math.max(...rs.map((r) => r.rss)).toFixed(0);
    console.log(`| ${label[name].replace(/\|/g, '\\|')} | ${median(rs.map((r) => r.wall)).toFixed(2)} | ${median(rs.map((r) => r.cpu)).toFixed(2)} | ${rss} |`);
  }
  console.log('\n| ratio, pair by pair (median, range) | value | target |\n|---|---:|---|');
  const line = (text, r, target) => console.log(`| ${text.replace(/\|/g, '\\|')} | ${fmt(r)} | ${target} |`);
  line('CPU: docker-archive / `tar | tee | openssl`', ratio(size, 'docker', 'tee', 'cpu'), '≤ 1.2');
  line('CPU: OCI directory / `tar | tee | openssl`', ratio(size, 'oci', 'tee', 'cpu'), '≤ 1.2');
  line('throughput: docker-archive vs `tar | openssl` (its wall / ours)', ratio(size, 'tar', 'docker', 'wall'), '≥ 0.8');
  line('throughput: OCI directory vs `tar | openssl`', ratio(size, 'tar', 'oci', 'wall'), '≥ 0.8');
  line('throughput: `-o -` vs `tar | openssl`', ratio(size, 'tar', 'stdout', 'wall'), '≥ 0.8');
  line('wall: writing the bytes alone (`cat`) / `tar | openssl`', ratio(size, 'write', 'tar', 'wall'), '');
  line('wall: docker-archive / writing its bytes alone (`cat`)', ratio(size, 'docker', 'write', 'wall'), '');
  if (has(size, 'prev')) {
    line('CPU: docker-archive, now / before', ratio(size, 'docker', 'prev', 'cpu'), '');
    line('wall: docker-archive, now / before', ratio(size, 'docker', 'prev', 'wall'), '');
  }
  if (has(size, 'sli')) {
    line('speed: `stream_layered_image.py` wall / `-o -` wall', ratio(size, 'sli', 'stdout', 'wall'), '≥ 6');
    line('CPU: `stream_layered_image.py` / `-o -`', ratio(size, 'sli', 'stdout', 'cpu'), '');
  }
  verdict.push(`${size}: CPU ${ratio(size, 'docker', 'tee', 'cpu').med.toFixed(2)}× tee, throughput ${ratio(size, 'tar', 'docker', 'wall').med.toFixed(2)}× tar`);
}
const peak = (size) => Math.max(...['docker', 'oci', 'stdout'].flatMap((n) => of(size, n).map((r) => r.rss)));
console.log(`\npeak RSS (docker, OCI, stdout): ${Object.keys(sizes).map((s) => `${s} ${peak(s).toFixed(0)} MB`).join(', ')} (target ≤ 120 MB, flat)`);
console.log(`summary: ${verdict.join('; ')}`);
JS
