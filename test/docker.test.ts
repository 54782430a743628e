// docker/compose.yaml runs the demo image: its image, port and volume must match the demo config.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { loadConfig } from '../src/definitions/load.js';

describe('docker/compose.yaml', () => {
  it('matches the demo image: name:tag, port, notebook volume, token from the environment', async () => {
    const compose = parse(readFileSync('docker/compose.yaml', 'utf8'));
    const { config } = await loadConfig('examples/demo/nixlab.yaml');
    const lab = compose.services.lab;
    expect(lab.image).toBe(`${config.image.name}:${config.image.tag}`);
    expect(lab.ports).toEqual([`127.0.0.1:${config.image.port}:${config.image.port}`]);
    expect(lab.volumes).toEqual([`./work:${config.image.volumes[0]}`]);
    expect(lab.environment.JUPYTER_TOKEN).toMatch(/^\$\{JUPYTER_TOKEN:\?/);
  });
});
