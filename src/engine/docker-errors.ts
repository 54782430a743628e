// Errors of the Docker Engine API client: no engine at the address (the user's to fix), and the
// engine refusing a request (with the engine's own message).
import { NixlabError, UserError } from '../errors.js';

/** Socket errors that mean "nothing listens there" rather than "the request went wrong". */
const UNREACHABLE_CODES = new Set(['ENOENT', 'ECONNREFUSED', 'EACCES', 'ENOTSOCK', 'ENOTDIR', 'EADDRNOTAVAIL']);

/** True when a connection error means no engine can be reached at the address. */
export function isUnreachableCode(code: string | undefined): boolean {
  return code !== undefined && UNREACHABLE_CODES.has(code);
}

/** No engine answers at DOCKER_HOST (socket missing, refused, or not ours to open). Exit code 2. */
export class EngineUnreachableError extends UserError {
  constructor(
    readonly dockerHost: string,
    readonly code: string,
    options: { cause?: unknown } = {},
  ) {
    const why =
      code === 'EACCES'
        ? 'permission denied on the socket'
        : code === 'ECONNREFUSED'
          ? 'connection refused'
          : code === 'ENOENT'
            ? 'the socket does not exist'
            : code;
    super(
      {
        where: `DOCKER_HOST=${dockerHost}`,
        message: `no Docker engine is reachable there (${why})`,
        hint:
          code === 'EACCES'
            ? 'run as root or as a member of the socket\'s group (usually "docker")'
            : 'start an engine (`dockerd`, `systemctl start docker`; in this repository `bash scripts/dockerd.sh start $(mktemp -d /tmp/dk.XXXX)`, which prints the value) and export DOCKER_HOST to its socket',
      },
      { cause: options.cause },
    );
  }
}

/** The engine answered a request with an HTTP error (4xx/5xx), or the connection broke. Exit code 1. */
export class EngineError extends NixlabError {
  readonly exitCode = 1;
  constructor(
    readonly method: string,
    readonly path: string,
    /** HTTP status; undefined when the connection failed mid-request. */
    readonly status: number | undefined,
    /** The engine's `message` (or the socket error's). */
    readonly engineMessage: string,
    options: { cause?: unknown } = {},
  ) {
    const what = status === undefined ? 'failed' : `answered ${status}`;
    super(`Docker engine: ${method} ${path} ${what}: ${engineMessage}`, options);
  }
}

/**
 * An error reported inside a streamed answer (HTTP 200, then `{"error": …}` in the JSON lines),
 * as `POST /images/load` does when a layer or the config is bad.
 */
export class EngineStreamError extends EngineError {
  constructor(method: string, path: string, engineMessage: string) {
    super(method, path, 200, engineMessage);
  }
}

/** The engine is older than the oldest API version this client speaks. Exit code 2. */
export class EngineTooOldError extends UserError {
  constructor(dockerHost: string, engineApi: string, minimum: string) {
    super({
      where: `DOCKER_HOST=${dockerHost}`,
      message: `the Docker engine speaks API ${engineApi}; nixlab needs at least ${minimum}`,
      hint: 'use Docker 19.03 or later (Debian 12: apt-get install docker.io)',
    });
  }
}
