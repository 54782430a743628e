#!/usr/bin/env python3
"""Regenerates offline/python/wheels.lock.json: the PyPI wheels of the offline package set.

Run it only to move versions (it asks PyPI; CI never runs it):

    python3 scripts/lock-wheels.py            # writes offline/python/wheels.lock.json
    python3 scripts/lock-wheels.py --check    # exit 1 if the file would change
    python3 scripts/lock-wheels.py --upgrade  # also move the unpinned requirements

Re-locking keeps the old lock's versions (pip constraints) of everything a pinned requirement
does not move, so adding one requirement changes only what it brings in.

For every interpreter the set offers, pip (`install --dry-run --report`, wheels only) resolves
the pinned requirements below together, with that interpreter, so environment markers are
evaluated for linux x86_64 and that Python version. One resolution per interpreter means an
environment can never hold two versions of a module. The lock keeps, per package, what Nix
needs at evaluation time and cannot read from a zip: the nixpkgs attribute name, the
distribution name, version, wheel file name, URL, sha256 and the resolved dependencies
(attribute names; extras a dependent asks for are added to its dependencies, as nixpkgs adds
`optional-dependencies.<extra>`). scripts/wheels.sh downloads and checks the files.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

try:
    from packaging.markers import Marker
    from packaging.requirements import Requirement
except ImportError:  # pip vendors packaging
    from pip._vendor.packaging.markers import Marker  # type: ignore
    from pip._vendor.packaging.requirements import Requirement  # type: ignore

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOCK = os.path.join(ROOT, "offline", "python", "wheels.lock.json")

# The interpreters whose package sets come from this lock: the offline set's own, which set-up
# provides (Debian 12's python3.11, and scripts/cpython.mjs's build of offline/python/cpython.json).
# Debian's pip resolves for each through `pip --python`, which runs pip's code under that
# interpreter, so the build needs no pip of its own. The offline set has no 3.12 (offline/pkgs.nix).
with open(os.path.join(ROOT, "offline", "python", "cpython.json")) as _f:
    _CPYTHON = json.load(_f)
PYTHONS = {
    "3.11": "/usr/bin/python3.11",
    "3.13": os.path.join(os.environ.get("NIXLAB_CPYTHON_ROOT", "/opt/nixlab/cpython"), _CPYTHON["version"], "bin", "python3.13"),
}
PIP = [os.environ.get("NIXLAB_LOCK_PIP_PYTHON", "/usr/bin/python3"), "-m", "pip"]

# What the set offers, with the version nixos-26.05's nixpkgs has where the stored nixpkgs copy
# (pkgs/development/python-modules/<name>/default.nix read at the commit named) is of that era
# and installable with the rest. A stored copy that predates the 2024 reformatting of nixpkgs is
# older than the pinned set; the newest release installable with the pins is taken instead
# ("resolved"). Each line: requirement, reason.
REQUIREMENTS = [
    ("notebook==7.5.3", "nixpkgs 005ab72f: 7.5.3"),
    ("jupyterlab==4.5.3", "nixpkgs 01bf9de8 has 4.3.5; notebook 7.5.3 requires jupyterlab>=4.5.3,<4.6: nearest installable"),
    ("jupyter-server==2.17.0", "nixpkgs 0145c6da: 2.17.0"),
    ("jupyterlab-server==2.28.0", "nixpkgs 055262b4 has 2.27.1; jupyterlab 4.5.3 requires >=2.28.0: nearest installable"),
    ("jupyter-lsp", "nixpkgs 05924f71 (stale copy) has 2.2.0: resolved"),
    ("ipykernel", "nixpkgs 01b2839a (stale copy) has 5.5.5, not installable with jupyterlab 4: resolved"),
    ("ipython==9.9.0", "nixpkgs 005ab72f: 9.9.0"),
    ("jupyter-client==8.6.1", "nixpkgs 055262b4: 8.6.1"),
    ("jupyter-core==5.8.1", "nixpkgs 13dccba1: 5.8.1"),
    ("jupyterhub", "nixpkgs 018d022c (stale copy) has 4.0.0: resolved"),
    ("dockerspawner", "nixpkgs 05924f71 (stale copy) has 12.1.0: resolved"),
    ("docker", "nixpkgs 09f76e17 (stale copy) has 6.0.1, which fails with requests>=2.32: resolved"),
    ("jupyterhub-nativeauthenticator==1.3.0", "not in the stored nixpkgs copy; 1.3.0, the newest release (0.0.4, the newest without onetimepass, fails on every page of JupyterHub 1.0 and later)"),
    ("jupyterhub-kubespawner==7.1.0", "not in nixpkgs (no python-modules/jupyterhub-kubespawner, checked on master 2026-07-14); KubeSpawner of the kubernetes target's hub image (nix/kubespawner.nix builds it from this wheel), 7.1.0 the newest release"),
    ("pycurl==7.45.6", "nixpkgs master 2026-07-14: 7.45.6; the zero-to-jupyterhub chart's hub config makes tornado use its curl client (the kubernetes target's hub image)"),
    ("jupyterhub-tmpauthenticator", "nixpkgs 05924f71 (stale copy) has 1.0.0: resolved"),
    ("bash-kernel", "nixpkgs 0427fa64 (stale copy) has 0.9.3: resolved"),
    ("ipywidgets", "nixpkgs 0585d4be (stale copy) has 7.3.0, which has no JupyterLab 4 extension: resolved"),
    ("jupyterlab-widgets", "nixpkgs 05924f71 (stale copy) has 3.0.7: resolved"),
    ("widgetsnbextension", "nixpkgs 00976b19 (stale copy) has 3.3.0: resolved"),
    ("jupyterlab-git==0.54.1", "nixpkgs 8527eb4c (jupyterlab-git-core) has 0.54.0, whose labextension requires JupyterLab ^4.5.8 (shared @jupyterlab/* singletons; 0.55.0 requires ^4.6.2); 0.54.1 requires ^4.0.0: nearest installable with jupyterlab 4.5.3"),
    ("jupyterlab-git-core==0.54.1", "the labextension and the git wrapper of jupyterlab-git 0.53 and later; as jupyterlab-git (nixpkgs 8527eb4c inherits its version)"),
    ("matplotlib", "nixpkgs 0346108d (stale copy) has 3.1.3: resolved"),
    ("scipy", "nixpkgs 01e53f70 (stale copy) has 1.11.1: resolved"),
    ("numpy==2.3.3", "nixpkgs 0177fbb4 (numpy/2.nix): 2.3.3"),
    ("pandas", "nixpkgs 00000000b0be (stale copy) has 1.5.3, which has no wheels for numpy 2: resolved"),
    ("requests", "resolved"),
    ("octave-kernel", "nixpkgs 05924f71 (jupyter-kernels/octave/kernel.nix, stale copy) has 0.34.2: resolved"),
    ("metakernel", "nixpkgs 03a362fe (stale copy) has 0.29.4: resolved"),
    ("jupyter-kernel-test", "conformance tests (test/e2e): resolved"),
    ("papermill", "the `server.packages` example and the runtime contract's papermill test (docs/docker.md): resolved"),
    ("jjava==1.0a8", "not in nixpkgs (no python-modules/jjava, nor any jjava/ijava package); the kernel of nixlab's java kind (nix/jjava.nix builds it from this wheel), 1.0a8 the newest release"),
]

# Distributions PyPI has no wheel of, taken from their sdist (pip resolves them with
# --no-binary). Each must be pure Python: offline/builders/sdist.sh lays the sdist out as the
# wheel it would build (its modules, and a dist-info from PKG-INFO and the egg-info's
# requires.txt). Name: reason.
SDISTS = {
    "onetimepass": "NativeAuthenticator 1.x needs it; PyPI has only its sdist (nixpkgs 14fd9760: 1.0.1, built from source too)",
}

# nixpkgs attribute names (pkgs/top-level/python-packages.nix) that are not the normalised
# distribution name.
ATTR_NAMES = {}


def canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def attr_of(name):
    c = canonical(name)
    return ATTR_NAMES.get(c, c)


def resolve(minor, python, reqs_file, constraints_file):
    if not os.access(python, os.X_OK):
        sys.exit(f"lock-wheels: {python} (Python {minor}) is missing: run scripts/setup.sh, which installs it")
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "report.json")
        env = dict(os.environ, PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1")
        subprocess.run(
            [*PIP, "--python", python, "install", "--dry-run", "--ignore-installed", "--break-system-packages", "--quiet",
             "--only-binary=:all:", *[f"--no-binary={n}" for n in sorted(SDISTS)],
             "--report", report, "-r", reqs_file, *(["-c", constraints_file] if constraints_file else [])],
            check=True, env=env)
        with open(report) as f:
            return json.load(f)


def lock_for(minor, report):
    env = dict(report["environment"])
    items = {canonical(i["metadata"]["name"]): i for i in report["install"]}

    def requirements(name):
        return [Requirement(r) for r in items[name]["metadata"].get("requires_dist", [])]

    def marker_ok(req, extra):
        return req.marker is None or req.marker.evaluate(dict(env, extra=extra))

    def deps_of_req(req, seen):
        """The packages a requirement brings in: the distribution and what its extras add."""
        name = canonical(req.name)
        if name not in items:
            raise SystemExit(f"lock-wheels: {req} is required but pip did not resolve it (Python {minor})")
        out = {name}
        for extra in sorted(req.extras):
            if (name, extra) in seen:
                continue
            seen.add((name, extra))
            for sub in requirements(name):
                if marker_ok(sub, extra) and not marker_ok(sub, ""):
                    out |= deps_of_req(sub, seen)
        return out

    packages = {}
    for name, item in sorted(items.items()):
        deps = set()
        for req in requirements(name):
            if marker_ok(req, ""):
                deps |= deps_of_req(req, set())
        deps.discard(name)
        url = item["download_info"]["url"]
        sdist = not url.endswith(".whl")
        if sdist != (name in SDISTS):
            raise SystemExit(f"lock-wheels: pip chose {url} for {name} (Python {minor}); only the SDISTS may come from an sdist")
        packages[attr_of(name)] = {
            "distribution": item["metadata"]["name"],
            "version": item["metadata"]["version"],
            "file": url.rsplit("/", 1)[1],
            "url": url,
            "sha256": item["download_info"]["archive_info"]["hashes"]["sha256"],
            "dependencies": sorted(attr_of(d) for d in deps),
        }
        if sdist:
            packages[attr_of(name)]["sdist"] = True
    # A store path cannot depend on itself through others: refuse cycles here, not in Nix.
    state = {}

    def visit(a, path):
        if state.get(a) == "done":
            return
        if state.get(a) == "active":
            raise SystemExit(f"lock-wheels: dependency cycle (Python {minor}): {' -> '.join(path + [a])}")
        state[a] = "active"
        for d in packages[a]["dependencies"]:
            visit(d, path + [a])
        state[a] = "done"

    for a in packages:
        visit(a, [])
    # The machine's kernel release and build are in the marker environment too; nothing here
    # depends on them, and they would make the lock differ between machines.
    kept = {k: v for k, v in env.items() if k not in ("platform_release", "platform_version")}
    return {"environment": kept, "packages": packages}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="fail if the lock file would change")
    ap.add_argument("--upgrade", action="store_true", help="resolve every unpinned requirement afresh instead of keeping the old lock's versions")
    ap.add_argument("--upgrade-package", action="append", default=[], metavar="NAME", help="resolve this package afresh, keeping the old lock's versions of the rest (repeatable)")
    args = ap.parse_args()
    previous = json.load(open(LOCK)) if os.path.exists(LOCK) else {"pythons": {}}
    lock = {
        "comment": "Generated by scripts/lock-wheels.py from its REQUIREMENTS; do not edit by hand.",
        "requirements": {r: why for r, why in REQUIREMENTS},
        "pythons": {},
    }
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write("".join(r + "\n" for r, _ in REQUIREMENTS))
        reqs_file = f.name
    try:
        for minor, python in PYTHONS.items():
            print(f"lock-wheels: resolving for Python {minor} ({python})", file=sys.stderr)
            constraints_file = None if args.upgrade else write_constraints(previous["pythons"].get(minor, {}).get("packages", {}), {canonical(n) for n in args.upgrade_package})
            try:
                lock["pythons"][minor] = lock_for(minor, resolve(minor, python, reqs_file, constraints_file))
            finally:
                if constraints_file:
                    os.unlink(constraints_file)
            lock["pythons"][minor]["resolvedWith"] = f"{interpreter_version(python)}, pip {pip_version()}"
    finally:
        os.unlink(reqs_file)
    text = json.dumps(lock, indent=2, sort_keys=True) + "\n"
    old = open(LOCK).read() if os.path.exists(LOCK) else None
    if args.check:
        if old != text:
            sys.exit("lock-wheels: offline/python/wheels.lock.json is out of date")
        return
    with open(LOCK + ".tmp", "w") as f:
        f.write(text)
    os.replace(LOCK + ".tmp", LOCK)
    n = sum(len(p["packages"]) for p in lock["pythons"].values())
    print(f"lock-wheels: wrote {os.path.relpath(LOCK, ROOT)} ({n} wheels over {len(PYTHONS)} interpreters)", file=sys.stderr)


def write_constraints(old_packages, released=frozenset()):
    """Keeps what the old lock resolved (as pip constraints), so that adding or pinning one
    requirement moves nothing else; a requirement with a version specifier, and a package named
    by --upgrade-package, win over them."""
    pinned = {canonical(Requirement(r).name) for r, _ in REQUIREMENTS if Requirement(r).specifier} | released
    lines = sorted(f'{w["distribution"]}=={w["version"]}\n' for w in old_packages.values() if canonical(w["distribution"]) not in pinned)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write("".join(lines))
        return f.name


def pip_version():
    return subprocess.run([*PIP, "--version"], check=True, capture_output=True, text=True).stdout.split()[1]


def interpreter_version(python):
    out = subprocess.run([python, "-I", "-c", "import platform; print(platform.python_version())"], check=True, capture_output=True, text=True).stdout
    return f"CPython {out.strip()}"


if __name__ == "__main__":
    main()
