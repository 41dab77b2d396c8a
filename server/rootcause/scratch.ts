/**
 * Typed arrays a ranking works in, reused from one ranking to the next instead of
 * allocated for each: at 100 000 CIs a ranking's arrays come to tens of MiB, which V8
 * counts as external memory, and every 64 MiB of it started a major collection of the
 * API's whole heap (the projection), whose marking then ran inside the next rankings.
 *
 * One user at a time: rankRootCauses runs synchronously to its end, so nothing else can
 * ask for the same array while it holds it. Each caller names its arrays; two arrays
 * alive at once must have different names. An array is a view of the kept buffer, of the
 * asked length, filled with the asked value; the buffer grows (by half again) as needed
 * and is kept at its largest.
 */
type Typed = Int32Array | Uint32Array | Uint8Array | Float64Array;

export class Scratch {
  private readonly kept = new Map<string, Typed>();

  int32(name: string, length: number, fill = 0): Int32Array {
    return this.view(`i32 ${name}`, length, fill, (n) => new Int32Array(n));
  }

  uint32(name: string, length: number, fill = 0): Uint32Array {
    return this.view(`u32 ${name}`, length, fill, (n) => new Uint32Array(n));
  }

  uint8(name: string, length: number, fill = 0): Uint8Array {
    return this.view(`u8 ${name}`, length, fill, (n) => new Uint8Array(n));
  }

  float64(name: string, length: number, fill = 0): Float64Array {
    return this.view(`f64 ${name}`, length, fill, (n) => new Float64Array(n));
  }

  /** Bytes kept. */
  get bytes(): number {
    let sum = 0;
    for (const buffer of this.kept.values()) sum += buffer.byteLength;
    return sum;
  }

  /** `key`: the type and the name (one buffer per type and name). */
  private view<T extends Typed>(key: string, length: number, fill: number, make: (n: number) => T): T {
    let buffer = this.kept.get(key) as T | undefined;
    if (!buffer || buffer.length < length) {
      buffer = make(Math.max(length, Math.ceil(1.5 * (buffer?.length ?? 0))));
      this.kept.set(key, buffer);
    }
    const out = buffer.subarray(0, length) as T;
    out.fill(fill);
    return out;
  }
}

/**
 * Int32 lists a ranking keeps to its end (what each candidate explains, the silent CIs it
 * takes DOWN: thousands of lists, MiB in all), laid one after another in a kept chunk
 * instead of each in an array of its own. `reset` at the start of each ranking: the
 * previous ranking's lists are then overwritten. A chunk too small for the next list is
 * replaced by one twice as big (lists already laid keep the old one); the largest is kept.
 */
export class Int32Pool {
  private chunk: Int32Array;
  private used = 0;

  constructor(initial = 1 << 16) {
    this.chunk = new Int32Array(initial);
  }

  reset(): void {
    this.used = 0;
  }

  /** A list of `length` entries, to be filled by the caller (not cleared). */
  alloc(length: number): Int32Array {
    if (this.used + length > this.chunk.length) {
      this.chunk = new Int32Array(Math.max(2 * this.chunk.length, length));
      this.used = 0;
    }
    const out = this.chunk.subarray(this.used, this.used + length);
    this.used += length;
    return out;
  }

  /** A copy of from[start .. end). */
  copy(from: Int32Array, start: number, end: number): Int32Array {
    const out = this.alloc(end - start);
    out.set(from.subarray(start, end));
    return out;
  }
}
