// The workshop example under Docker: lesson notebooks from the repository baked into the
// image's home, owned by the image user and writable there; the kernel runs them.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildImage, configCopy, docker, dockerOk } from './lib.js';

const work = mkdtempSync(join(tmpdir(), 'nixlab-workshop-'));
const TAG = `ws${process.pid}`;
let ref: string;

beforeAll(async () => {
  const config = configCopy('examples/workshop/nixlab.yaml', work, { tag: TAG });
  const image = join(work, 'workshop.tar');
  await buildImage(config, image, work);
  ref = (await dockerOk(['load', '-i', image])).replace(/^Loaded image: /, '');
  expect(ref).toMatch(new RegExp(`:${TAG}$`));
}, 600_000);

afterAll(async () => {
  if (ref) await docker(['rmi', ref]);
});

describe('examples/workshop (docker run)', () => {
  it('has the lessons in the home, owned by jovyan (1000:100) and writable by it', async () => {
    const r = await docker(['run', '--rm', ref, 'sh', '-c', 'cd /home/jovyan/lessons && stat -c "%n %u:%g %a" . *.ipynb && echo edit >> 01-arrays.ipynb && echo written']);
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n')).toEqual(['. 1000:100 755', '01-arrays.ipynb 1000:100 644', '02-tables.ipynb 1000:100 644', 'written']);
    expect(r.exitCode).toBe(0);
  });

  it("runs a lesson's code with the workshop kernel's interpreter", async () => {
    const script = [
      'import json, os, subprocess',
      'spec = json.load(open(os.environ["JUPYTER_PATH"] + "/kernels/workshop/kernel.json"))',
      'nb = json.load(open("/home/jovyan/lessons/01-arrays.ipynb"))',
      'src = "".join(nb["cells"][1]["source"]) + "\\nprint(a.sum())"',
      'print(subprocess.run([spec["argv"][0], "-c", src], capture_output=True, text=True, check=True).stdout.strip())',
    ].join('\n');
    const r = await docker(['run', '--rm', ref, 'python3', '-c', script]);
    expect([r.exitCode, r.stdout.trim()]).toEqual([0, '45']);
  });
});
