// The two stream formats the Engine API answers in: JSON lines (progress of load/pull/build) and
// the multiplexed stdout/stderr stream of logs and attach (8-byte frame headers).
import { StringDecoder } from 'node:string_decoder';

/** One message of a JSON-lines progress stream (`POST /images/load`, `…/create`, …). */
export interface JsonMessage {
  /** Free text, e.g. `Loaded image: name:tag\n`. */
  stream?: string;
  /** What happens to `id`, e.g. `Loading layer`. */
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  /** A rendered progress bar. */
  progress?: string;
  /** Set when the operation failed; the stream ends after it. */
  error?: string;
  errorDetail?: { code?: number; message?: string };
  aux?: unknown;
}

/**
 * Splits a byte stream into JSON values, one per line (the engine ends each with `\r\n`).
 * `bad(text)` makes the error thrown for a line that is not JSON.
 */
export async function* jsonLines(
  source: AsyncIterable<Buffer | string>,
  bad: (line: string) => Error,
): AsyncGenerator<JsonMessage> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  const parse = (line: string): JsonMessage | undefined => {
    const text = line.trim();
    if (text === '') return undefined;
    try {
      return JSON.parse(text) as JsonMessage;
    } catch {
      throw bad(text.length > 200 ? `${text.slice(0, 200)}…` : text);
    }
  };
  for await (const chunk of source) {
    pending += typeof chunk === 'string' ? chunk : decoder.write(chunk);
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const msg = parse(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
      if (msg !== undefined) yield msg;
    }
  }
  const msg = parse(pending + decoder.end());
  if (msg !== undefined) yield msg;
}

/** Which stream a frame of a multiplexed stream belongs to. */
export type StreamName = 'stdin' | 'stdout' | 'stderr' | 'system';

/** One frame of a multiplexed stream. */
export interface Frame {
  stream: StreamName;
  data: Buffer;
}

// Frame header: byte 0 the stream (0 stdin, 1 stdout, 2 stderr, 3 an error of the engine's
// while streaming), bytes 1-3 zero, bytes 4-7 the payload length, big-endian.
const STREAMS: StreamName[] = ['stdin', 'stdout', 'stderr', 'system'];
const HEADER = 8;

/**
 * Demultiplexes the stream of `GET /containers/{id}/logs` (and attach) of a container created
 * without a TTY. `bad(reason)` makes the error thrown for a malformed or truncated stream
 * (e.g. the raw stream of a TTY container, which has no headers).
 */
export async function* demultiplex(
  source: AsyncIterable<Buffer>,
  bad: (reason: string) => Error,
): AsyncGenerator<Frame> {
  let buf: Buffer = Buffer.alloc(0);
  for await (const chunk of source) {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    while (buf.length >= HEADER) {
      const type = buf[0];
      if (type > 3 || buf[1] !== 0 || buf[2] !== 0 || buf[3] !== 0) {
        throw bad(`not a multiplexed stream (header ${buf.subarray(0, HEADER).toString('hex')}); was the container created with Tty?`);
      }
      const size = buf.readUInt32BE(4);
      if (buf.length < HEADER + size) break;
      yield { stream: STREAMS[type], data: buf.subarray(HEADER, HEADER + size) };
      buf = buf.subarray(HEADER + size);
    }
  }
  if (buf.length > 0) throw bad(`the stream ended inside a frame (${buf.length} bytes left over)`);
}
