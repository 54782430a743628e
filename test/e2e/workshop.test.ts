// The workshop example: lesson notebooks from the repository baked into the image's home,
// owned by the image user and writable there; the kernel runs them.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { nixlab } from '../helpers/cli.js';
import { runImage } from '../helpers/run-image.js';

const work = mkdtempSync(join(tmpdir(), 'nixlab-workshop-'));
const image = join(work, 'workshop.tar');

beforeAll(async () => {
  const r = await nixlab(['build', resolve('examples/workshop/nixlab.yaml'), '--pkgs', 'offline', '-q', '-o', image, '--out-link', join(work, 'result'), '--generated-dir', join(work, 'gen')]);
  if (r.exitCode !== 0) throw new Error(`build failed:\n${r.stderr}`);
}, 600_000);

describe('examples/workshop', () => {
  it('has the lessons in the home, owned by jovyan (1000:100) and writable by it', async () => {
    const r = await runImage({
      image,
      cmd: ['sh', '-c', 'cd /home/jovyan/lessons && stat -c "%n %u:%g %a" . *.ipynb && echo edit >> 01-arrays.ipynb && echo written'],
      timeoutMs: 60_000,
    });
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n')).toEqual(['. 1000:100 755', '01-arrays.ipynb 1000:100 644', '02-tables.ipynb 1000:100 644', 'written', '']);
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
    const r = await runImage({ image, cmd: ['python3', '-c', script], timeoutMs: 60_000 });
    expect(r.stdout.trim()).toBe('45');
    expect(r.exitCode).toBe(0);
  });
});
