#!/usr/bin/env python3
"""Prints pip requirements (hash-checked) for a locked package and everything it depends on, as
offline/python/wheels.lock.json locks them for one Python: the versions and files the offline
package set uses, so a test venv made from them (scripts/setup.sh: KubeSpawner's) has the same
ones, from the same wheel cache.

    python3 scripts/lock-requirements.py MINOR ATTR...   # e.g. 3.11 jupyterhub-kubespawner

Each line: `distribution==version --hash=sha256:…`. Fails when a name is not locked for MINOR.
"""
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main(minor, names):
    with open(os.path.join(ROOT, "offline", "python", "wheels.lock.json")) as f:
        lock = json.load(f)
    packages = lock["pythons"].get(minor, {}).get("packages")
    if packages is None:
        sys.exit(f"lock-requirements: the lock has no Python {minor} (it has {', '.join(sorted(lock['pythons']))})")
    seen, todo = set(), list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        if name not in packages:
            sys.exit(f"lock-requirements: {name} is not locked for Python {minor} (add it to REQUIREMENTS in scripts/lock-wheels.py)")
        seen.add(name)
        todo.extend(packages[name]["dependencies"])
    for name in sorted(seen):
        w = packages[name]
        print(f"{w['distribution']}=={w['version']} --hash=sha256:{w['sha256']}")


if len(sys.argv) < 3:
    sys.exit("usage: lock-requirements.py MINOR ATTR...")
main(sys.argv[1], sys.argv[2:])
