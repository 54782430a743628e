#!/usr/bin/env python3
"""Regenerates offline/python/wheels.meta.json: licence and homepage of each locked wheel, read
from the wheel's own METADATA (core metadata), for the offline set's meta.license / meta.homepage.

    /var/cache/nixlab/venv-spdx/bin/python scripts/wheel-meta.py          # writes the file
    /var/cache/nixlab/venv-spdx/bin/python scripts/wheel-meta.py --check  # exit 1 if it would change

Run it with the spdx-tools venv (scripts/setup.sh makes it): its `license_expression` carries the
SPDX licence list, and only expressions whose every identifier is on that list are kept. The
licence comes from, in order: `License-Expression` (PEP 639, an SPDX expression); a `License`
field that is itself a valid SPDX expression, or one of a few spellings named below; the one
licence classifier that names a single SPDX licence unambiguously. Anything else (a licence text,
"BSD", an unversioned "Apache Software License" classifier) stays unknown: the SBOM says
NOASSERTION rather than guess. The homepage is the `Project-URL` labelled Homepage (or
`Home-page`), else PyPI's project page. Keyed by wheel file name; a wheel the file lacks (a
newer lock) simply has no licence until this runs again.
"""
import argparse
import email.parser
import email.policy
import json
import os
import sys
import tarfile
import zipfile

from license_expression import ExpressionError, get_spdx_licensing

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOCK = os.path.join(ROOT, 'offline/python/wheels.lock.json')
OUT = os.path.join(ROOT, 'offline/python/wheels.meta.json')

# `License:` values seen on PyPI that name one SPDX licence without doubt.
SPELLINGS = {
    'mit license': 'MIT',
    'the mit license': 'MIT',
    'mit license (mit)': 'MIT',
    'apache 2.0': 'Apache-2.0',
    'apache-2': 'Apache-2.0',
    'apache license 2.0': 'Apache-2.0',
    'apache license, version 2.0': 'Apache-2.0',
    'apache software license 2.0': 'Apache-2.0',
    'bsd 3-clause': 'BSD-3-Clause',
    'bsd 3-clause license': 'BSD-3-Clause',
    'bsd-3': 'BSD-3-Clause',
    '3-clause bsd': 'BSD-3-Clause',
    'new bsd': 'BSD-3-Clause',
    'new bsd license': 'BSD-3-Clause',
    'modified bsd license': 'BSD-3-Clause',
    'bsd 2-clause': 'BSD-2-Clause',
    'mpl-2.0': 'MPL-2.0',
    'mpl 2.0': 'MPL-2.0',
    'psf': 'PSF-2.0',
    'psf license': 'PSF-2.0',
    'lgpl': None,
}

# Trove classifiers (`License :: …`) that name exactly one SPDX licence.
CLASSIFIERS = {
    'License :: OSI Approved :: MIT License': 'MIT',
    'License :: OSI Approved :: MIT No Attribution License (MIT-0)': 'MIT-0',
    'License :: OSI Approved :: ISC License (ISCL)': 'ISC',
    'License :: OSI Approved :: Apache Software License 2.0': 'Apache-2.0',
    'License :: OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)': 'MPL-2.0',
    'License :: OSI Approved :: The Unlicense (Unlicense)': 'Unlicense',
    'License :: OSI Approved :: Zope Public License': None,
    'License :: OSI Approved :: GNU Lesser General Public License v2 or later (LGPLv2+)': 'LGPL-2.0-or-later',
    'License :: OSI Approved :: GNU Lesser General Public License v3 or later (LGPLv3+)': 'LGPL-3.0-or-later',
    'License :: OSI Approved :: GNU General Public License v2 or later (GPLv2+)': 'GPL-2.0-or-later',
    'License :: OSI Approved :: GNU General Public License v3 or later (GPLv3+)': 'GPL-3.0-or-later',
    'License :: CC0 1.0 Universal (CC0 1.0) Public Domain Dedication': 'CC0-1.0',
}

licensing = get_spdx_licensing()


def spdx(text):
    """The expression in SPDX's canonical spelling when every identifier is on the SPDX list, else None."""
    if not text or '\n' in text.strip() or len(text) > 200:
        return None
    try:
        parsed = licensing.parse(text, validate=True, strict=True)
    except ExpressionError:
        return None
    if parsed is None:
        return None
    if licensing.unknown_license_keys(parsed):
        return None
    rendered = parsed.render('{symbol.key}')
    return rendered if 'LicenseRef' not in rendered else None


def field(msg, name):
    v = msg.get(name)
    return str(v).strip() if v is not None else ''


# Licence texts recognised by phrases that only they have, for a wheel whose one licence file
# holds one licence (a file that bundles several, as numpy's does, is not read) and whose
# classifier names the same family.
def text_license(text):
    t = ' '.join(text.split())
    families = []
    if t.count('Redistribution and use in source and binary forms') == 1:
        families.append('BSD-3-Clause' if 'Neither the name' in t or 'names of its contributors may' in t else 'BSD-2-Clause')
    if t.count('Permission is hereby granted, free of charge') == 1:
        families.append('MIT')
    if t.count('Apache License') >= 1 and 'Version 2.0, January 2004' in t:
        families.append('Apache-2.0')
    if 'GNU' in t or 'Mozilla Public License' in t or 'Copyright (c)' not in t and 'Copyright' not in t:
        return None
    return families[0] if len(families) == 1 else None


FAMILY = {'BSD-3-Clause': 'BSD License', 'BSD-2-Clause': 'BSD License', 'MIT': 'MIT License', 'Apache-2.0': 'Apache Software License'}


def license_of(msg, files):
    expr = spdx(field(msg, 'License-Expression'))
    if expr:
        return expr, 'License-Expression'
    text = field(msg, 'License')
    expr = spdx(text) or (SPELLINGS.get(text.lower()) if text else None)
    if expr:
        return expr, 'License'
    named = {CLASSIFIERS[c] for c in [str(c) for c in msg.get_all('Classifier', [])] if c.startswith('License ::') and CLASSIFIERS.get(c)}
    others = [c for c in [str(c) for c in msg.get_all('Classifier', [])] if c.startswith('License ::') and not CLASSIFIERS.get(c)]
    if len(named) == 1 and not others:
        return named.pop(), 'Classifier'
    licence_files = [str(f) for f in msg.get_all('License-File', [])]
    classifiers = [c for c in [str(c) for c in msg.get_all('Classifier', [])] if c.startswith('License ::')]
    if len(licence_files) == 1 and licence_files[0] in files and len(classifiers) == 1:
        expr = text_license(files[licence_files[0]])
        if expr and classifiers[0].endswith(':: ' + FAMILY[expr]):
            return expr, 'License-File'
    return None, None


def homepage_of(msg, distribution):
    for entry in [str(u) for u in msg.get_all('Project-URL', [])]:
        label, _, url = entry.partition(',')
        if label.strip().lower().replace('-', '').replace('_', '') in ('homepage', 'home') and url.strip().startswith(('https://', 'http://')):
            return url.strip()
    home = field(msg, 'Home-page')
    if home.startswith(('https://', 'http://')):
        return home
    return f'https://pypi.org/project/{distribution}/'


def sdist_metadata(path):
    # A locked sdist (scripts/lock-wheels.py SDISTS): its top-level PKG-INFO, and the licence
    # files it names, read from the tarball.
    with tarfile.open(path) as t:
        members = {m.name: m for m in t.getmembers() if m.isfile()}
        names = [n for n in members if n.count('/') == 1 and n.endswith('/PKG-INFO')]
        if len(names) != 1:
            raise SystemExit(f'{path}: expected one top-level PKG-INFO, found {names}')
        msg = email.parser.Parser(policy=email.policy.compat32).parsestr(t.extractfile(members[names[0]]).read().decode('utf-8', 'replace'))
        top = names[0][: -len('PKG-INFO')]
        files = {}
        for f in [str(f) for f in msg.get_all('License-File', [])]:
            if top + f in members:
                files[f] = t.extractfile(members[top + f]).read().decode('utf-8', 'replace')
        return msg, files


def metadata(path):
    if path.endswith(('.tar.gz', '.tgz')):
        return sdist_metadata(path)
    with zipfile.ZipFile(path) as z:
        names = [n for n in z.namelist() if n.count('/') == 1 and n.endswith('.dist-info/METADATA')]
        if len(names) != 1:
            raise SystemExit(f'{path}: expected one *.dist-info/METADATA, found {names}')
        msg = email.parser.Parser(policy=email.policy.compat32).parsestr(z.read(names[0]).decode('utf-8', 'replace'))
        info = names[0][: -len('METADATA')]
        files = {}
        for f in [str(f) for f in msg.get_all('License-File', [])]:
            for n in (info + 'licenses/' + f, info + f):
                if n in z.namelist():
                    files[f] = z.read(n).decode('utf-8', 'replace')
                    break
        return msg, files


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--check', action='store_true')
    ap.add_argument('--wheels', default=os.environ.get('NIXLAB_WHEELS_DIR') or '/var/cache/nixlab/wheels')
    args = ap.parse_args()
    lock = json.load(open(LOCK))
    wheels = {}
    for py in lock['pythons'].values():
        for w in py['packages'].values():
            wheels[w['file']] = w['distribution']
    out = {}
    for file in sorted(wheels):
        msg, files = metadata(os.path.join(args.wheels, file))
        lic, source = license_of(msg, files)
        entry = {'homepage': homepage_of(msg, wheels[file])}
        if lic:
            entry['license'] = lic
            entry['licenseSource'] = source
        out[file] = entry
    text = json.dumps({'comment': 'Generated by scripts/wheel-meta.py from the wheels\' METADATA; do not edit by hand.', 'wheels': out}, indent=2, sort_keys=True) + '\n'
    if args.check:
        old = open(OUT).read() if os.path.exists(OUT) else ''
        sys.exit(0 if old == text else 1)
    with open(OUT + '.tmp', 'w') as f:
        f.write(text)
    os.replace(OUT + '.tmp', OUT)
    known = sum(1 for e in out.values() if 'license' in e)
    print(f'{OUT}: {len(out)} wheels, {known} with a licence', file=sys.stderr)


if __name__ == '__main__':
    main()
