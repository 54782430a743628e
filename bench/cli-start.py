#!/usr/bin/env python3
"""CLI start-up: `nixlab validate` and `nixlab generate` of a small config against `node -e 0`.

The config is examples/local-lab (one kernel), as YAML and as the same config in JSON. Paired
runs: each round runs every command once, in turn, so a change in the machine's load moves all
of them alike; each ratio is taken within its round, and the table shows medians. CPU is user +
sys of the child (wait4's rusage, microseconds), the steadier figure on a shared machine.

    npm run build && python3 bench/cli-start.py [ROUNDS]      (default 21)
    NIXLAB_PREV=DIR python3 bench/cli-start.py [ROUNDS]       adds the same commands run from an
                                                              earlier built checkout (DIR/bin/run.js)
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 21
HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if not os.path.exists(os.path.join(HERE, 'dist', 'src', 'cli', 'fast.js')):
    sys.exit('bench: run npm run build first')

work = tempfile.mkdtemp(prefix='nixlab-cli-start.')
try:
    yaml_config = os.path.join(work, 'nixlab.yaml')
    json_config = os.path.join(work, 'nixlab.json')
    shutil.copy(os.path.join(HERE, 'examples', 'local-lab', 'nixlab.yaml'), yaml_config)
    to_json = 'const y=require(process.argv[1]);process.stdout.write(JSON.stringify(y.parse(require("fs").readFileSync(process.argv[2],"utf8")),null,2)+"\\n")'
    with open(json_config, 'w') as f:
        f.write(subprocess.run(['node', '-e', to_json, os.path.join(HERE, 'node_modules', 'yaml'), yaml_config], check=True, capture_output=True, text=True).stdout)
    # nixlab's cache (the TypeScript and schema caches) of its own, warmed by the untimed round.
    env = dict(os.environ, NIXLAB_CACHE_DIR=os.path.join(work, 'cache'))

    # A YAML config whose text changes before every run (a comment line): never in the YAML cache.
    changed_config = os.path.join(work, 'changed.yaml')
    with open(yaml_config) as f:
        yaml_text = f.read()
    runs = [0]

    def change():
        runs[0] += 1
        with open(changed_config, 'w') as f:
            f.write(f'# run {runs[0]}\n{yaml_text}')

    commands = [('node -e 0', ['node', '-e', '0'], None)]
    sides = [('', HERE)] + ([(' (prev)', os.environ['NIXLAB_PREV'])] if os.environ.get('NIXLAB_PREV') else [])
    for tag, root in sides:
        run = ['node', os.path.join(root, 'bin', 'run.js')]
        commands += [
            (f'validate nixlab.json{tag}', run + ['validate', json_config], None),
            (f'validate nixlab.yaml{tag}', run + ['validate', yaml_config], None),
            (f'validate changed.yaml (new text every run){tag}', run + ['validate', changed_config], change),
            (f'generate nixlab.yaml -o DIR{tag}', run + ['generate', yaml_config, '-o', os.path.join(work, f'gen{len(commands)}')], None),
        ]

    def timed(argv):
        """(wall s, CPU s) of one run; the run must succeed."""
        t0 = time.perf_counter()
        p = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        err = p.stderr.read().decode()
        p.stderr.close()
        if p.returncode != 0:
            sys.exit(f'bench: {" ".join(argv)} exited with {p.returncode}:\n{err}')
        return wall, ru.ru_utime + ru.ru_stime

    times = [[] for _ in commands]
    for rnd in range(ROUNDS + 1):  # round 0: untimed warm-up
        for i, (_, argv, prepare) in enumerate(commands):
            if prepare:
                prepare()
            t = timed(argv)
            if rnd:
                times[i].append(t)

    med = statistics.median
    with open('/proc/loadavg') as f:
        load = ' '.join(f.read().split()[:3])
    node_version = subprocess.run(['node', '--version'], capture_output=True, text=True).stdout.strip()
    print(f'{ROUNDS} paired rounds; node {node_version}; {os.cpu_count()} CPUs; load average at the end {load}\n')
    print('| command | wall (s) | CPU user+sys (s) | wall ÷ `node -e 0` | CPU ÷ `node -e 0` |')
    print('|---|---:|---:|---:|---:|')
    base = times[0]
    for i, (name, _, _) in enumerate(commands):
        ts = times[i]
        wall, cpu = med(t[0] for t in ts), med(t[1] for t in ts)
        rw = med(t[0] / b[0] for t, b in zip(ts, base))
        rc = med(t[1] / b[1] for t, b in zip(ts, base))
        ratio = (lambda r: f'**{r:.2f}×**') if i else (lambda r: '1.00')
        print(f'| `{name}` | {wall:.3f} | {cpu:.3f} | {ratio(rw)} | {ratio(rc)} |')
finally:
    shutil.rmtree(work, ignore_errors=True)
