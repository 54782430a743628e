// A real registry for the push tests: Debian's docker-registry (distribution 2.8) on a free
// port of 127.0.0.1, storage in a temporary directory, its access log in a file the tests read
// to count what was uploaded. Plain HTTP; optionally htpasswd auth or read-only mode.
import { execa, type ResultPromise } from 'execa';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './jupyter.js';

export interface RegistryOptions {
  /** htpasswd file contents (`user:bcrypt`): the registry then demands Basic credentials. */
  htpasswd?: string;
  /** Reject every write (blob uploads and manifests) with 405, as during maintenance. */
  readonly?: boolean;
  /** Storage to reuse (another registry's), default a new one under `dir`. */
  storage?: string;
}

export class Registry {
  private proc: ResultPromise | undefined;
  readonly storage: string;
  readonly log: string;
  port = 0;

  constructor(
    readonly dir: string,
    private readonly opts: RegistryOptions = {},
  ) {
    mkdirSync(dir, { recursive: true });
    this.storage = opts.storage ?? join(dir, 'storage');
    this.log = join(dir, 'registry.log');
  }

  /** host:port */
  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.port = await freePort();
    const lines = [
      'version: 0.1',
      'log: { level: info, accesslog: { disabled: false } }',
      `storage: { filesystem: { rootdirectory: ${JSON.stringify(this.storage)} }, delete: { enabled: true }${this.opts.readonly ? ', maintenance: { readonly: { enabled: true } }' : ''} }`,
      `http: { addr: ${JSON.stringify(this.host)} }`,
    ];
    if (this.opts.htpasswd !== undefined) {
      writeFileSync(join(this.dir, 'htpasswd'), this.opts.htpasswd);
      lines.push(`auth: { htpasswd: { realm: nixlab-test, path: ${JSON.stringify(join(this.dir, 'htpasswd'))} } }`);
    }
    const config = join(this.dir, 'config.yml');
    writeFileSync(config, lines.join('\n') + '\n');
    this.proc = execa('docker-registry', ['serve', config], { stdout: { file: this.log, append: true }, stderr: { file: this.log, append: true }, reject: false });
    const start = Date.now();
    for (;;) {
      const ok = await fetch(`http://${this.host}/v2/`).then(
        (r) => r.status === 200 || r.status === 401,
        () => false,
      );
      if (ok) return this;
      if (this.proc.exitCode !== null || Date.now() - start > 20_000) throw new Error(`docker-registry did not start:\n${readFileSync(this.log, 'utf8').slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    if (!this.proc) return;
    this.proc.kill('SIGTERM');
    await this.proc;
    this.proc = undefined;
  }

  /** Access-log lines so far. */
  accessLines(): string[] {
    return readFileSync(this.log, 'utf8').split('\n').filter((l) => /^\S+ - - \[/.test(l));
  }

  /** Completed blob uploads into `repo` in the given access-log lines (PUT …?digest=…, 201). */
  static uploads(lines: string[], repo: string): string[] {
    const re = new RegExp(`"PUT /v2/${repo.replace(/[/.]/g, '\\$&')}/blobs/uploads/[^" ]*digest=sha256%3A([0-9a-f]{64})[^"]*" 201 `);
    return lines.flatMap((l) => {
      const m = re.exec(l);
      return m ? [`sha256:${m[1]}`] : [];
    });
  }

  /** The manifest digest a tag points at (via the API), or null when the tag does not exist. */
  async tagDigest(repo: string, tag: string): Promise<string | null> {
    const r = await fetch(`http://${this.host}/v2/${repo}/manifests/${tag}`, { method: 'HEAD', headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
    if (r.status === 404) return null;
    if (r.status !== 200) throw new Error(`HEAD manifest ${repo}:${tag}: ${r.status}`);
    return r.headers.get('docker-content-digest');
  }
}
