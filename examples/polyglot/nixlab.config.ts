// One image, nine kernels: Python, R, Octave, Go, C++, Rust, JavaScript, TypeScript and Bash,
// each in its own environment, notebooks on a /data volume. Build it against the pinned nixpkgs:
//   nixlab build examples/polyglot -o polyglot.tar
//   nixlab run polyglot.tar -e JUPYTER_TOKEN=secret -p 8888 -v "$PWD/work:/data"
// Offline (`--pkgs offline`) it does not build: Debian 12 has no gophernotes, xeus-cpp or evcxr,
// and the offline package set says so at evaluation. examples/polyglot-offline (Python, R, Octave)
// and examples/all-in-one (Python, JavaScript, TypeScript, Bash) build offline.
import type { Config } from 'nixlab/config';

export default {
  frontend: 'lab',
  kernels: [
    { kind: 'python', name: 'python3', displayName: 'Python 3 (numpy, pandas)', packages: ['numpy', 'pandas'] },
    { kind: 'r', name: 'r', displayName: 'R (jsonlite)', packages: ['jsonlite'] },
    { kind: 'octave', name: 'octave', displayName: 'Octave (signal)', packages: ['signal'] },
    { kind: 'go', name: 'go', displayName: 'Go' },
    { kind: 'cpp', name: 'cpp', displayName: 'C++17', std: 17 },
    { kind: 'rust', name: 'rust', displayName: 'Rust' },
    { kind: 'javascript', name: 'javascript', displayName: 'JavaScript (Deno)' },
    { kind: 'typescript', name: 'typescript', displayName: 'TypeScript (Deno)' },
    { kind: 'bash', name: 'bash', displayName: 'Bash' },
  ],
  image: {
    name: 'nixlab-polyglot',
    tag: 'latest',
    volumes: ['/data'],
  },
} satisfies Config;
