#!/usr/bin/env bash
# Downloads the PyPI wheels of offline/python/wheels.lock.json into the wheel cache
# ($NIXLAB_WHEELS_DIR, default /var/cache/nixlab/wheels), where the offline package set's
# fixed-output derivations copy them from. Each file's sha256 is checked against the lock before
# it enters the cache. Files already cached with the right hash are not
# fetched again, so a second run only reads the cache. Nothing is downloaded at test time.
#
# A locked sdist (`"sdist": true`: a pure-Python distribution PyPI has no wheel of) is fetched
# and checked the same way; the offline set builds its wheel in the store
# (offline/builders/sdist-wheel.py), never running its setup.py.
#
# Every file is fetched from the URL the lock records for it (PyPI's files host) by Debian's
# python3 and kept only if its sha256 is the locked one. No interpreter of the locked versions is
# needed: choosing the platform-specific file was scripts/lock-wheels.py's job (it resolves under
# the offline set's own interpreters), and the lock names that exact file, so a fresh Debian 12
# machine downloads the same bytes.
set -euo pipefail
cd "$(dirname "$0")/.."

lock=offline/python/wheels.lock.json
cache=${NIXLAB_WHEELS_DIR:-/var/cache/nixlab/wheels}
mkdir -p "$cache"

work=$(mktemp -d "$cache/.download.XXXXXX")
trap 'rm -rf "$work"' EXIT

# One line per file: file <TAB> sha256 <TAB> URL
python3 - "$lock" > "$work/wheels.tsv" <<'EOF'
import json, sys
lock = json.load(open(sys.argv[1]))
seen = set()
for minor, p in sorted(lock["pythons"].items()):
    for attr, w in sorted(p["packages"].items()):
        if w["file"] in seen:
            continue
        seen.add(w["file"])
        print("\t".join([w["file"], w["sha256"], w["url"]]))
EOF

missing=0
: > "$work/need.tsv"
while IFS=$'\t' read -r file sha url; do
  if [ -f "$cache/$file" ] && [ "$(sha256sum "$cache/$file" | cut -d' ' -f1)" = "$sha" ]; then
    continue
  fi
  printf '%s\t%s\t%s\n' "$file" "$sha" "$url" >> "$work/need.tsv"
  missing=$((missing + 1))
done < "$work/wheels.tsv"

total=$(wc -l < "$work/wheels.tsv")
if [ "$missing" = 0 ]; then
  echo "wheels: all $total locked wheels are in $cache"
  exit 0
fi
echo "wheels: downloading $missing of $total locked wheels into $cache"

# One file at a time, from its locked URL; a few tries for a flaky network.
python3 - "$work/need.tsv" "$work/dl" <<'EOF2'
import os, sys, time, urllib.request
need, dest = sys.argv[1], sys.argv[2]
os.makedirs(dest, exist_ok=True)
for line in open(need, encoding="utf-8"):
    name, sha, url = line.rstrip("\n").split("\t")
    for attempt in range(4):
        try:
            with urllib.request.urlopen(url, timeout=120) as r, open(os.path.join(dest, name), "wb") as f:
                while chunk := r.read(1 << 20):
                    f.write(chunk)
            break
        except OSError as e:
            if attempt == 3:
                sys.exit(f"wheels: cannot download {name} from {url}: {e}")
            time.sleep(2 ** attempt)
EOF2

# Check every file against the lock once more, then move it into the cache.
while IFS=$'\t' read -r file sha url; do
  f="$work/dl/$file"
  if [ ! -f "$f" ]; then
    echo "wheels: $file was not downloaded ($url)" >&2
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
