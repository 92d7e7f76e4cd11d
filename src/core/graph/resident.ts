/**
 * The external data file that holds a graph's resident tensors (KV cache, MLA up-projections).
 * Filled by tiling one small random block, so a multi-GB cache takes seconds and at no point is
 * a second full copy of it held in memory.
 */
import { closeSync, mkdtempSync, openSync, readdirSync, readSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromHalfBits, toHalfBits, type ElemType, ELEM_BYTES } from './onnx.js';
import type { QuantizedCacheDtype } from '@/contract/lists.js';
import { blocksPerRow, encodeRows, quantDataBytes, quantizeRow, toE4M3Bits, type QuantEncoding } from './quant.js';

/** Offsets are aligned so onnxruntime can map the file instead of copying it. */
export const RESIDENT_ALIGN = 65536;
/** Bytes in the random block that is tiled over every tensor. */
export const FILL_BLOCK_BYTES = 1 << 20;
/** Bytes per write call: the block repeated (1 MiB writes measured 0.2-2 GB/s here, 8 MiB 5-8). */
export const WRITE_CHUNK_BYTES = 8 << 20;

/**
 * Part of a quantized cache: the data or the scales of `rows` x `cols` values starting at element
 * `start` of the logical float tensor whose fill key the tensor carries, blocked along cols.
 */
export interface QuantPiece {
  dtype: QuantizedCacheDtype;
  encoding: QuantEncoding;
  part: 'data' | 'scales';
  start: number;
  rows: number;
  cols: number;
}

export interface ResidentTensor {
  name: string;
  role: 'cache' | 'weight';
  layer: number;
  type: ElemType;
  dims: number[];
  /**
   * Names the logical tensor whose values this holds: the tiling phase comes from it, so two
   * graphs that store the same logical tensor (MLA naive W_UK and absorbed W_UK^T) agree.
   */
  fillKey: string;
  /** The contents are the logical tensor [.., a, b] stored transposed as [.., b, a]. */
  transposed?: boolean;
  /** A quantized cache's piece: its bytes are computed from the logical float values (quant.ts). */
  quant?: QuantPiece;
  /** Declared as a constant initializer, not an overridable input (MatMulNBits' packed B). */
  constant?: boolean;
  offset: number;
  length: number;
}

/** Lays tensors out one after another at aligned offsets; returns the file's total size. */
export function layoutResident(tensors: Omit<ResidentTensor, 'offset' | 'length'>[]): { tensors: ResidentTensor[]; fileBytes: number } {
  let offset = 0;
  const out: ResidentTensor[] = [];
  for (const t of tensors) {
    const length = t.quant ? quantPieceBytes(t.quant) : t.dims.reduce((a, b) => a * b, 1) * ELEM_BYTES[t.type];
    out.push({ ...t, offset, length });
    offset += Math.ceil(length / RESIDENT_ALIGN) * RESIDENT_ALIGN;
  }
  return { tensors: out, fileBytes: offset };
}

/** Deterministic uniform values in [-amp, amp) (mulberry32). */
export function randomValues(count: number, seed: number, amp = 0.5): Float64Array {
  let a = seed >>> 0;
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1) * amp;
  }
  return out;
}

function encodeBlock(values: Float64Array, type: ElemType): Uint8Array {
  if (type === 'fp16') return new Uint8Array(Uint16Array.from(values, (v) => toHalfBits(v)).buffer);
  if (type === 'fp32') return new Uint8Array(Float32Array.from(values).buffer);
  throw new Error(`resident tensors are float, not ${type}`);
}

function phaseOf(key: string, modulo: number): number {
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619) >>> 0;
  return h % modulo;
}

/**
 * Writes a transposed tensor: the logical [.., b, a] tiled values, stored as [.., a, b] (`t.dims`
 * are the stored dims), a write-sized chunk of stored rows at a time. Each stored row [n, j, :]
 * reads the block at a stride of a from the logical element [n, 0, j]; the elements are copied as
 * bit patterns (32 or 16 bits), so the file holds exactly the values of the plain layout.
 */
function writeTransposed(fd: number, t: ResidentTensor, block: Uint8Array, elemBytes: number, phase: number, progress: (n: number) => void): void {
  if (elemBytes !== 4 && elemBytes !== 2) throw new Error(`transposed resident tensors are fp32 or fp16, not ${elemBytes}-byte elements`);
  const a = t.dims[t.dims.length - 2]!;
  const b = t.dims[t.dims.length - 1]!;
  const rows = t.length / elemBytes / b;
  const blockElems = block.length / elemBytes;
  const view = (bytes: Uint8Array): Uint32Array | Uint16Array =>
    elemBytes === 4 ? new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4) : new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2);
  const src = view(block);
  const rowsPerChunk = Math.max(1, Math.min(rows, Math.floor(WRITE_CHUNK_BYTES / (b * elemBytes))));
  const chunk = new Uint8Array(rowsPerChunk * b * elemBytes);
  const out = view(chunk);
  const step = a % blockElems;
  let filled = 0;
  let pos = 0;
  const flush = (): void => {
    const n = filled * b * elemBytes;
    writeSync(fd, chunk, 0, n, t.offset + pos);
    pos += n;
    progress(n);
    filled = 0;
  };
  // A stored row reads the block at a stride of a, so it repeats every blockElems / gcd(a,
  // blockElems) elements (2,048 for a = 128 in fp32): gather one period, then copy it along.
  let gcd = blockElems;
  for (let x = step; x > 0;) [gcd, x] = [x, gcd % x];
  const period = Math.min(b, blockElems / gcd);
  for (let r = 0; r < rows; r++) {
    const n = Math.floor(r / a);
    const j = r - n * a;
    // logical [n, 0, j]: element n*a*b + j of the tiling, which starts at `phase`
    let idx = (phase + ((n * a * b) % blockElems) + j) % blockElems;
    const base = filled * b;
    for (let i = 0; i < period; i++) {
      out[base + i] = src[idx]!;
      idx += step;
      if (idx >= blockElems) idx -= blockElems;
    }
    for (let have = period; have < b; have *= 2) out.copyWithin(base + have, base, base + Math.min(have, b - have));
    if (++filled === rowsPerChunk) flush();
  }
  if (filled > 0) flush();
}

/**
 * Writes the file: each tensor gets the block for its role and type, tiled to its length.
 * Returns the seconds spent, so the sweep can report the fill rate.
 */
export function writeResidentFile(path: string, tensors: ResidentTensor[], seed: number, onProgress?: (bytesDone: number) => void): number {
  const start = performance.now();
  const fd = openSync(path, 'w');
  try {
    const blocks = new Map<string, Uint8Array>();
    let done = 0;
    let reported = 0;
    for (const t of tensors) {
      if (t.quant) {
        writeSync(fd, quantPieceContents(t.quant, t.fillKey, seed), 0, t.length, t.offset);
        done += t.length;
        continue;
      }
      const key = `${t.role}:${t.type}`;
      let block = blocks.get(key);
      if (!block) {
        const elems = FILL_BLOCK_BYTES / ELEM_BYTES[t.type];
        block = encodeBlock(randomValues(elems, seed + (t.role === 'cache' ? 1 : 2)), t.type);
        blocks.set(key, block);
      }
      const eb = ELEM_BYTES[t.type];
      const phase = phaseOf(t.fillKey, block.length / eb);
      if (t.transposed) {
        writeTransposed(fd, t, block, eb, phase, (n) => {
          done += n;
          if (onProgress && done - reported >= 8 * WRITE_CHUNK_BYTES) onProgress((reported = done));
        });
        continue;
      }
      // Rotate the block by the phase once and repeat it into one write-sized chunk; plain
      // tiling of that chunk continues the sequence (few large writes are what make this fast).
      const start = phase * eb;
      const rotated = new Uint8Array(Math.min(WRITE_CHUNK_BYTES, Math.ceil(t.length / block.length) * block.length));
      for (let off = 0; off < rotated.length; off += block.length) {
        rotated.set(block.subarray(start), off);
        rotated.set(block.subarray(0, start), off + block.length - start);
      }
      let pos = 0;
      while (pos < t.length) {
        const n = Math.min(rotated.length, t.length - pos);
        writeSync(fd, rotated, 0, n, t.offset + pos);
        pos += n;
        done += n;
        if (onProgress && pos % (8 * WRITE_CHUNK_BYTES) === 0) onProgress(done);
      }
    }
  } finally {
    closeSync(fd);
  }
  return (performance.now() - start) / 1000;
}

/** Values in the fp32 cache fill block (the same block every fp32 cache is tiled from). */
const CACHE_BLOCK_ELEMS = FILL_BLOCK_BYTES / 4;
const cacheBlocks = new Map<number, Float32Array>();

/**
 * `count` values of the logical float cache tensor `fillKey` from element `start`: exactly what an
 * fp32 graph's cache of that fill key holds (the block for 'cache:fp32' tiled from its phase).
 * Quantized caches are computed from these, and the accuracy cost compares against them.
 */
export function cacheFillValues(fillKey: string, start: number, count: number, seed: number): Float64Array {
  let block = cacheBlocks.get(seed);
  if (!block) {
    block = Float32Array.from(randomValues(CACHE_BLOCK_ELEMS, seed + 1));
    cacheBlocks.set(seed, block);
  }
  const phase = phaseOf(fillKey, CACHE_BLOCK_ELEMS);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = block[(phase + start + i) % CACHE_BLOCK_ELEMS]!;
  return out;
}

/** Bytes of a quantized piece (data: packed values; scales: fp32 per block). */
export function quantPieceBytes(q: QuantPiece): number {
  if (q.dtype === 'fp8') return q.rows * q.cols;
  if (q.part === 'scales') return q.rows * blocksPerRow(q.cols, q.dtype) * 4;
  return quantDataBytes(q.rows, q.cols, q.dtype);
}

/** A quantized piece's bytes, from the logical values of its fill key (rows at a time: no float copy of a large tensor). */
export function quantPieceContents(q: QuantPiece, fillKey: string, seed: number): Uint8Array {
  const out = new Uint8Array(quantPieceBytes(q));
  const rowsPerChunk = Math.max(1, Math.floor((1 << 16) / q.cols));
  for (let r0 = 0; r0 < q.rows; r0 += rowsPerChunk) {
    const n = Math.min(rowsPerChunk, q.rows - r0);
    const x = cacheFillValues(fillKey, q.start + r0 * q.cols, n * q.cols, seed);
    if (q.dtype === 'fp8') {
      for (let i = 0; i < x.length; i++) out[r0 * q.cols + i] = toE4M3Bits(x[i]!);
      continue;
    }
    const rows = Array.from({ length: n }, (_, r) => quantizeRow(x.subarray(r * q.cols, (r + 1) * q.cols), q.dtype as 'int8' | 'int4'));
    if (q.part === 'data')
      encodeRows(
        out,
        rows.map((r) => r.q),
        r0,
        q.cols,
        q.dtype,
        q.encoding,
      );
    else {
      const nb = blocksPerRow(q.cols, q.dtype);
      const f = new Float32Array(out.buffer);
      rows.forEach((r, i) => f.set(r.scales, (r0 + i) * nb));
    }
  }
  return out;
}

/** Reads one resident tensor back as float64 (tests and references use it on small graphs). */
export function readResident(path: string, t: ResidentTensor): Float64Array {
  const fd = openSync(path, 'r');
  try {
    const buf = new Uint8Array(t.length);
    readSync(fd, buf, 0, t.length, t.offset);
    return toFloat64(buf, t.type);
  } finally {
    closeSync(fd);
  }
}

/** Float64 values of raw fp32/fp16 bytes. */
export function toFloat64(bytes: Uint8Array, type: ElemType): Float64Array {
  const copy = bytes.slice();
  if (type === 'fp16') return Float64Array.from(new Uint16Array(copy.buffer), fromHalfBits);
  if (type === 'fp32') return Float64Array.from(new Float32Array(copy.buffer));
  throw new Error(`not a float type: ${type}`);
}

/**
 * A folder for graphs and their caches: /dev/shm where it has room (no disk writeback, and the
 * mapped cache shares the file's pages), else the OS temp folder.
 */
export function scratchRoot(bytesNeeded: number): string {
  try {
    if (process.platform === 'linux') {
      const st = statfsSync('/dev/shm');
      if (st.bavail * st.bsize > bytesNeeded * 1.2 + (256 << 20)) return '/dev/shm';
    }
  } catch {
    // no /dev/shm
  }
  return tmpdir();
}

/**
 * kvscope-<purpose>-<host>-<pid>-<random>: the folders scratchDir makes. The host part keeps a
 * process from judging folders of another container that shares /dev/shm or /tmp (its pids are
 * another namespace's).
 */
const SCRATCH_NAME = /^kvscope-[a-z]+-([A-Za-z0-9]+)-(\d+)-[A-Za-z0-9]+$/;
const HOST =
  hostname()
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, 24) || 'host';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, another user's
  }
}

/**
 * Removes scratch folders left by kvscope processes that no longer run (an engine killed
 * mid-sweep leaves its cache in /dev/shm, which is memory until reboot). Returns their paths.
 */
/** This host's name as scratch folder names carry it. */
export const SCRATCH_HOST = HOST;

export function removeStaleScratch(roots: string[] = ['/dev/shm', tmpdir()]): string[] {
  const removed: string[] = [];
  for (const root of new Set(roots)) {
    let names: string[];
    try {
      names = readdirSync(root);
    } catch {
      continue;
    }
    for (const name of names) {
      const m = SCRATCH_NAME.exec(name);
      const pid = Number(m?.[2] ?? NaN);
      if (!m || m[1] !== HOST || !Number.isInteger(pid) || pid === process.pid || alive(pid)) continue;
      try {
        rmSync(join(root, name), { recursive: true, force: true });
        removed.push(join(root, name));
      } catch {
        // not ours to remove (permissions): leave it
      }
    }
  }
  return removed;
}

/**
 * A fresh scratch folder for `purpose` (lower-case letters: run, probe, bench...) with room for
 * `bytesNeeded`, named with this host and process, after removing folders of kvscope processes that died. The caller
 * removes it when done.
 */
export function scratchDir(purpose: string, bytesNeeded: number): string {
  removeStaleScratch();
  return mkdtempSync(join(scratchRoot(bytesNeeded), `kvscope-${purpose}-${HOST}-${process.pid}-`));
}
