// Where the Docker engine listens: DOCKER_HOST parsed into what node's http module connects to.
import { UserError } from '../errors.js';

/** The engine's address when DOCKER_HOST is unset (the Docker CLI's default too). */
export const DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock';

/** A parsed DOCKER_HOST: a unix socket, or a TCP port on the loopback interface. */
export type DockerEndpoint =
  | { kind: 'unix'; socketPath: string; url: string }
  | { kind: 'tcp'; host: string; port: number; url: string };

const HINT =
  'set DOCKER_HOST to unix:///path/to/docker.sock or tcp://127.0.0.1:PORT (plain HTTP, loopback only)';

/**
 * Parses DOCKER_HOST. Accepts `unix:///absolute/path` and `tcp://127.0.0.1:PORT` (also
 * `localhost`, `[::1]`): TLS and remote hosts are not supported, so any other host is refused
 * rather than spoken to in plain HTTP.
 */
export function parseDockerHost(value: string | undefined): DockerEndpoint {
  const url = value === undefined || value === '' ? DEFAULT_DOCKER_HOST : value;
  const where = `DOCKER_HOST=${url}`;
  if (url.startsWith('unix://')) {
    const socketPath = url.slice('unix://'.length);
    if (!socketPath.startsWith('/')) {
      throw new UserError({ where, message: 'the unix socket path is not absolute', hint: HINT });
    }
    return { kind: 'unix', socketPath, url };
  }
  if (url.startsWith('tcp://')) {
    const m = /^tcp:\/\/(127\.0\.0\.1|localhost|\[::1\]):(\d{1,5})\/?$/.exec(url);
    const port = m ? Number(m[2]) : NaN;
    if (!m || port < 1 || port > 65535) {
      throw new UserError({
        where,
        message: 'only a TCP port on the loopback interface is supported (tcp://127.0.0.1:PORT)',
        hint: HINT,
      });
    }
    const host = m[1] === '[::1]' ? '::1' : m[1];
    return { kind: 'tcp', host, port, url };
  }
  throw new UserError({ where, message: 'unsupported scheme (expected unix:// or tcp://)', hint: HINT });
}
