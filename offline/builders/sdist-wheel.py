# Builder of the wheel a pure-Python sdist would build (see python/wheels.nix), for the few
# distributions PyPI has no wheel of (SDISTS in scripts/lock-wheels.py). Run by the store
# interpreter; it never runs the sdist's setup.py. What goes in is what setuptools' egg_info
# already wrote into the sdist: the modules of <name>.egg-info/top_level.txt, a dist-info whose
# METADATA is PKG-INFO with the Requires-Dist of requires.txt, a WHEEL file and a RECORD. The
# zip is deterministic (sorted entries, 1980-01-01 times, fixed modes), so the same sdist always
# gives the same wheel; builders/wheel.sh then installs it like any other.
#
# Environment: src (the sdist, a fixed-output store path), out (the wheel to write),
# distribution and version (from the lock).
import base64
import hashlib
import os
import re
import sys
import tarfile
import zipfile

src, out, dist, version = (os.environ[k] for k in ("src", "out", "distribution", "version"))


def die(msg):
    sys.exit(f"error: {os.path.basename(src)}: {msg}")


with tarfile.open(src, "r:*") as tar:
    files = {}
    for m in tar.getmembers():
        if m.isfile():
            files[m.name] = tar.extractfile(m).read()

roots = {n.split("/", 1)[0] for n in files}
if len(roots) != 1:
    die(f"expected one top-level directory, found {sorted(roots)}")
root = roots.pop() + "/"
if root + "PKG-INFO" not in files:
    die("no PKG-INFO: not an sdist")
egg = [n for n in files if n.startswith(root) and n.count("/") == 2 and n.endswith(".egg-info/top_level.txt")]
if len(egg) != 1:
    die("no single *.egg-info/top_level.txt: the modules cannot be known without running setup.py")
egg_dir = egg[0].rsplit("/", 1)[0] + "/"
tops = [t.strip() for t in files[egg[0]].decode().splitlines() if t.strip()]
if b"ext_modules" in files.get(root + "setup.py", b""):
    die("setup.py builds extension modules: only pure-Python sdists are laid out here")

# The modules: a package directory or a single file at the sdist's root, for each top-level name.
entries = {}
for top in tops:
    package = root + top + "/"
    found = False
    for name, data in files.items():
        if name.startswith(package):
            rel = name[len(root):]
            if "/__pycache__/" in rel or rel.endswith(".pyc"):
                continue
            if rel.endswith((".c", ".cpp", ".pyx", ".pxd", ".f", ".f90")):
                die(f"{rel} is native source: only pure-Python sdists are laid out here")
            entries[rel] = data
            found = True
    if root + top + ".py" in files:
        entries[top + ".py"] = files[root + top + ".py"]
        found = True
    if not found:
        die(f"top-level module {top!r} (top_level.txt) is neither {top}/ nor {top}.py at the root")

# METADATA: PKG-INFO's headers, with Requires-Dist from requires.txt ("[extra]" and
# "[extra:marker]" / "[:marker]" sections become markers, as setuptools writes them).
head, _, body = files[root + "PKG-INFO"].decode().partition("\n\n")
headers = [line for line in head.split("\n") if line and not line.startswith("Metadata-Version:") and not line.startswith("Requires-Dist:")]
requires = []
section = ""
for line in files.get(egg_dir + "requires.txt", b"").decode().splitlines():
    line = line.strip()
    if not line or line.startswith("#"):
        continue
    if line.startswith("["):
        section = line[1:-1]
        continue
    extra, _, marker = section.partition(":")
    conds = ([f'extra == "{extra}"'] if extra else []) + ([f"({marker})"] if marker else [])
    requires.append(f"Requires-Dist: {line}" + (f"; {' and '.join(conds)}" if conds else ""))
got = next((h.split(":", 1)[1].strip() for h in headers if h.startswith("Version:")), None)
if got != version:
    die(f"PKG-INFO says version {got}, the lock says {version}")
metadata = "\n".join(["Metadata-Version: 2.1", *headers, *requires]) + "\n" + ("\n" + body if body.strip() else "")

info = f"{re.sub(r'[-_.]+', '_', dist)}-{version}.dist-info/"
entries[info + "METADATA"] = metadata.encode()
entries[info + "WHEEL"] = b"Wheel-Version: 1.0\nGenerator: nixlab (offline/builders/sdist-wheel.py)\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
entries[info + "top_level.txt"] = files[egg[0]]


def digest(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


record = "".join(f"{n},{digest(d)},{len(d)}\n" for n, d in sorted(entries.items())) + f"{info}RECORD,,\n"
entries[info + "RECORD"] = record.encode()

with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for name in sorted(entries):
        zi = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
        zi.external_attr = 0o644 << 16
        zi.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(zi, entries[name])
