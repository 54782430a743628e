#!/usr/bin/env bash
# Downloads the PyPI wheels of offline/python/wheels.lock.json into the wheel cache
# ($NIXLAB_WHEELS_DIR, default /var/cache/nixlab/wheels), where the offline package set's
# fixed-output derivations copy them from. Each file is fetched by pip with --require-hashes
# (name==version and the locked sha256; --no-deps: the lock is already resolved) and its sha256
# is checked again before it enters the cache. Files already cached with the right hash are not
# fetched again, so a second run only reads the cache. Nothing is downloaded at test time.
#
# A locked sdist (`"sdist": true`: a pure-Python distribution PyPI has no wheel of) is fetched
# from its locked URL and checked the same way; the offline set builds its wheel in the store
# (offline/builders/sdist-wheel.py), never running its setup.py.
#
# pip runs under the pyenv interpreter of each Python version the lock covers (the same ones
# scripts/lock-wheels.py resolved with), so it picks exactly the locked, platform-specific file.
set -euo pipefail
cd "$(dirname "$0")/.."

lock=offline/python/wheels.lock.json
cache=${NIXLAB_WHEELS_DIR:-/var/cache/nixlab/wheels}
pyenv=${PYENV_ROOT:-/root/.pyenv}
mkdir -p "$cache"

work=$(mktemp -d "$cache/.download.XXXXXX")
trap 'rm -rf "$work"' EXIT

# One line per file: python-version <TAB> pyenv-version <TAB> file <TAB> sha256 <TAB> requirement
# (for an sdist: "sdist <URL>")
python3 - "$lock" > "$work/wheels.tsv" <<'EOF'
import json, sys
lock = json.load(open(sys.argv[1]))
seen = set()
for minor, p in sorted(lock["pythons"].items()):
    pyenv = p["resolvedWith"].split(",")[0].split()[1]
    for attr, w in sorted(p["packages"].items()):
        if w["file"] in seen:
            continue
        seen.add(w["file"])
        req = f'sdist {w["url"]}' if w.get("sdist") else f'{w["distribution"]}=={w["version"]} --hash=sha256:{w["sha256"]}'
        print("\t".join([minor, pyenv, w["file"], w["sha256"], req]))
EOF

missing=0
: > "$work/need.tsv"
while IFS=$'\t' read -r minor pyv file sha req; do
  if [ -f "$cache/$file" ] && [ "$(sha256sum "$cache/$file" | cut -d' ' -f1)" = "$sha" ]; then
    continue
  fi
  printf '%s\t%s\t%s\t%s\t%s\n' "$minor" "$pyv" "$file" "$sha" "$req" >> "$work/need.tsv"
  missing=$((missing + 1))
done < "$work/wheels.tsv"

total=$(wc -l < "$work/wheels.tsv")
if [ "$missing" = 0 ]; then
  echo "wheels: all $total locked wheels are in $cache"
  exit 0
fi
echo "wheels: downloading $missing of $total locked wheels into $cache"

for pyv in $(cut -f2 "$work/need.tsv" | sort -u); do
  python="$pyenv/versions/$pyv/bin/python"
  if [ ! -x "$python" ]; then
    echo "wheels: $python is missing; the lock was resolved with pyenv's Python $pyv (pyenv install $pyv)" >&2
    exit 1
  fi
  awk -F'\t' -v v="$pyv" '$2 == v && $5 !~ /^sdist / { print $5 }' "$work/need.tsv" > "$work/req-$pyv.txt"
  mkdir -p "$work/dl-$pyv"
  awk -F'\t' -v v="$pyv" '$2 == v && $5 ~ /^sdist / { print $3 "\t" substr($5, 7) }' "$work/need.tsv" |
    while IFS=$'\t' read -r file url; do
      "$python" -c 'import sys, urllib.request; urllib.request.urlretrieve(sys.argv[1], sys.argv[2])' "$url" "$work/dl-$pyv/$file"
    done
  [ -s "$work/req-$pyv.txt" ] || continue
  PIP_CONFIG_FILE=/dev/null PIP_DISABLE_PIP_VERSION_CHECK=1 "$python" -m pip download \
    --quiet --no-deps --require-hashes --only-binary=:all: --no-cache-dir \
    -d "$work/dl-$pyv" -r "$work/req-$pyv.txt"
done

# Check every file against the lock once more, then move it into the cache.
while IFS=$'\t' read -r minor pyv file sha req; do
  f="$work/dl-$pyv/$file"
  if [ ! -f "$f" ]; then
    echo "wheels: pip did not fetch $file ($req)" >&2
    exit 1
  fi
  got=$(sha256sum "$f" | cut -d' ' -f1)
  if [ "$got" != "$sha" ]; then
    echo "wheels: $file has sha256 $got, the lock says $sha" >&2
    exit 1
  fi
  chmod 0444 "$f"
  mv -f "$f" "$cache/$file"
done < "$work/need.tsv"
echo "wheels: $missing wheels added to $cache ($(du -sh "$cache" | cut -f1) in all)"
