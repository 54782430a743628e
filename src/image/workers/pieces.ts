// How a buffer is written to a file output, shared by the byte worker and the main thread (which
// both write buffers: sink.ts says which writes which).
import { writeSync } from 'node:fs';

const MIB = 1 << 20;

/**
 * How much of a write at file offset `pos` goes in one call: a write that would cover a whole
 * 1 MiB-aligned span is split at its middle. Given such a span in one call, the kernel fills it
 * with one 1 MiB page-cache folio, and on a VM whose balloon hands free memory back to the host
 * (Firecracker's free page reporting) that memory costs host faults to fill: measured, a 750 MiB
 * file written in aligned 1 MiB calls took 0.5-1.7 s of system time, in 512 KiB calls 0.15 s;
 * an OCI directory pack (every blob file written from offset 0, so every buffer aligned) 0.57x
 * the CPU. One more call per MiB where it applies, none elsewhere.
 */
function pieceLength(pos: number, length: number): number {
  return pos % MIB === 0 && length >= MIB ? MIB / 2 : length;
}

/** Writes all of `view` to `fd` at file offset `pos` (positioned, synchronous). */
export function writeAt(fd: number, view: Uint8Array, pos: number): void {
  for (let off = 0; off < view.length; ) off += writeSync(fd, view, off, pieceLength(pos + off, view.length - off), pos + off);
}

/**
 * A ring buffer's memory: `size` bytes of data, then one Int32 cell that says who writes it to a
 * file output (WRITE_*), claimed with a compare-and-exchange by whichever thread gets there first.
 */
export function slotMemory(size: number): SharedArrayBuffer {
  return new SharedArrayBuffer(size + 4);
}

/** The claim cell of a slot's memory (slotMemory()). */
export function claimCell(memory: SharedArrayBuffer): Int32Array {
  return new Int32Array(memory, memory.byteLength - 4, 1);
}

export const WRITE_OPEN = 0;
export const WRITE_MAIN = 1;
export const WRITE_WORKER = 2;
