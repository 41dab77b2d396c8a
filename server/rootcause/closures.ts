/**
 * The user-facing CIs each failure breaks, kept per prepared graph: a big failure's as a
 * bitset, so how many silent CIs two failures both break (a pair's overlap) is a popcount
 * of an AND where walking either closure would visit thousands of CIs per pair; a small
 * one's as a list (read once for every root it is paired with).
 *
 * Only failures whose closure holds at least `bigClosure` CIs get a bitset. Bit positions
 * follow a depth-first order of the dependency graph, so a closure's bits fall in few
 * words and each bitset keeps only its span. Bitsets and lists are kept up to
 * `cacheBytes` (a projection computes them all after it loads: `warm`); past it, per
 * request.
 */
import type { RcaGraph } from './model.js';

export interface ClosureBitsOptions {
  /** Closures at least this big (all CIs, not only user-facing) get a bitset (default 1 000). */
  bigClosure: number;
  /** At most this many bytes of bitsets and lists are kept (default 64 MiB). */
  cacheBytes: number;
}

const DEFAULTS: ClosureBitsOptions = { bigClosure: 1000, cacheBytes: 64 * 2 ** 20 };

/** A set of user-facing CIs: bit k of words[w - lo] is user-facing CI number 32 w + k. */
export interface UserFacingBits {
  lo: number;
  words: Uint32Array;
}

/** Set bits in a 32-bit word. */
export function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/** |x ∩ y|. */
export function countBoth(x: UserFacingBits, y: UserFacingBits): number {
  const lo = Math.max(x.lo, y.lo);
  const hi = Math.min(x.lo + x.words.length, y.lo + y.words.length);
  let count = 0;
  for (let w = lo; w < hi; w++) count += popcount(x.words[w - x.lo]! & y.words[w - y.lo]!);
  return count;
}

export class ClosureBits {
  /** Bit number of each user-facing CI (-1: not user-facing), and the CI of each bit. */
  readonly bitOf: Int32Array;
  readonly nodeOf: Int32Array;
  private readonly kept = new Map<number, UserFacingBits>();
  private readonly keptLists = new Map<number, Int32Array>();
  private keptBytes = 0;
  private readonly options: ClosureBitsOptions;

  /**
   * Numbers the user-facing CIs depth first, or, given `numberedAs` (the ClosureBits of
   * the graph this one was brought up to date from, its CIs numbered as here), as there,
   * with user-facing CIs new to this graph after its last bit (`carryClosureBits`).
   */
  constructor(
    private readonly prepared: RcaGraph,
    options: Partial<ClosureBitsOptions> = {},
    numberedAs?: ClosureBits,
  ) {
    this.options = { ...DEFAULTS, ...options };
    const { graph: g, userFacing, provStart } = prepared;
    const n = g.ids.length;
    this.bitOf = new Int32Array(n).fill(-1);
    let next = 0;
    if (numberedAs) {
      const before = numberedAs.bitOf;
      next = numberedAs.nodeOf.length;
      for (let x = 0; x < n; x++) if (userFacing[x]) this.bitOf[x] = x < before.length && before[x]! >= 0 ? before[x]! : next++;
    } else {
      // Depth first along dependents, from CIs without providers first (then whatever a
      // cycle left unvisited): a CI's closure is mostly the stretch numbered right after it.
      const seen = new Uint8Array(n);
      const stack: number[] = [];
      const from = (s: number) => {
        seen[s] = 1;
        stack.push(s);
        while (stack.length > 0) {
          const x = stack.pop()!;
          if (userFacing[x]) this.bitOf[x] = next++;
          const deps = g.dependents[x]!;
          for (let k = deps.length - 1; k >= 0; k--) {
            const d = deps[k]!.ci;
            if (!seen[d]) {
              seen[d] = 1;
              stack.push(d);
            }
          }
        }
      };
      for (let s = 0; s < n; s++) if (!seen[s] && provStart[s + 1] === provStart[s]) from(s);
      for (let s = 0; s < n; s++) if (!seen[s]) from(s);
    }
    // A bit no CI holds any more (a CI's class no longer user-facing) maps to -1.
    this.nodeOf = new Int32Array(next).fill(-1);
    this.bitOf.forEach((b, x) => {
      if (b >= 0) this.nodeOf[b] = x;
    });
  }

  /** Keeps what `before` kept for the CIs not `dirty` (numbered as here: `numberedAs`). */
  private keepFrom(before: ClosureBits, dirty: Uint8Array): void {
    for (const [x, set] of before.kept) {
      if (dirty[x]) continue;
      this.kept.set(x, set);
      this.keptBytes += set.words.byteLength;
    }
    for (const [x, list] of before.keptLists) {
      if (dirty[x]) continue;
      this.keptLists.set(x, list);
      this.keptBytes += list.byteLength;
    }
  }

  /** The ClosureBits of `prepared` carried over from `previous`'s (see carryClosureBits). */
  static carried(prepared: RcaGraph, before: ClosureBits, dirty: Uint8Array): ClosureBits {
    const bits = new ClosureBits(prepared, before.options, before);
    bits.keepFrom(before, dirty);
    return bits;
  }

  /** Whether `node`'s failure is big enough for a bitset (its closure must have been counted). */
  isBig(node: number): boolean {
    return this.prepared.downstreamAll[node]! >= this.options.bigClosure;
  }

  /**
   * The user-facing CIs `node`'s failure breaks. Kept while the cache has room; past it,
   * in `overflow` (the caller's, for one request) when given.
   */
  of(node: number, overflow?: Map<number, UserFacingBits>): UserFacingBits {
    const found = this.kept.get(node) ?? overflow?.get(node);
    if (found) return found;
    const set = this.setOf(this.walk(node));
    if (!this.keepSet(node, set)) overflow?.set(node, set);
    return set;
  }

  /**
   * The user-facing CIs `node`'s failure breaks, as a list: a small failure's kept while
   * the cache has room, a big one's read from its bitset, into `into` when given (a view
   * of it is returned; it must have room for every user-facing CI).
   */
  listOf(node: number, overflow?: Map<number, UserFacingBits>, into?: Int32Array): Int32Array {
    if (this.isBig(node)) {
      const { lo, words } = this.of(node, overflow);
      let count = 0;
      for (let w = 0; w < words.length; w++) count += popcount(words[w]!);
      const out = into ? into.subarray(0, count) : new Int32Array(count);
      let at = 0;
      for (let w = 0; w < words.length; w++) {
        for (let m = words[w]!; m !== 0; m &= m - 1) out[at++] = this.nodeOf[((lo + w) << 5) + 31 - Math.clz32(m & -m)]!;
      }
      return out;
    }
    const found = this.keptLists.get(node);
    if (found) return found;
    const list = this.walk(node);
    this.keepList(node, list);
    return list;
  }

  /**
   * Keeps what `node`'s failure breaks, its user-facing CIs found by another walk
   * (`nodes`: rootcause/carry.ts counts closures from each other's), as `of` or `listOf`
   * would have kept it, while the cache has room.
   */
  keepWalked(node: number, nodes: Int32Array): void {
    if (this.kept.has(node) || this.keptLists.has(node)) return;
    if (this.isBig(node)) this.keepSet(node, this.setOf(nodes));
    else this.keepList(node, nodes);
  }

  /** Keeps a big failure's set while the cache has room; whether it did. */
  private keepSet(node: number, set: UserFacingBits): boolean {
    if (this.keptBytes + set.words.byteLength > this.options.cacheBytes) return false;
    this.kept.set(node, set);
    this.keptBytes += set.words.byteLength;
    return true;
  }

  /** Keeps a small failure's list while the cache has room. */
  private keepList(node: number, list: Int32Array): void {
    if (this.keptBytes + list.byteLength > this.options.cacheBytes) return;
    this.keptLists.set(node, list);
    this.keptBytes += list.byteLength;
  }

  /** The user-facing CIs `node`'s failure breaks, walked. */
  private walk(node: number): Int32Array {
    const closure: number[] = [];
    this.prepared.spreader.downstream(node, (x) => {
      if (this.bitOf[x]! >= 0) closure.push(x);
    });
    return Int32Array.from(closure);
  }

  /** The user-facing CIs among `nodes`, as a set (not kept). */
  setOf(nodes: ArrayLike<number>): UserFacingBits {
    let lo = Number.POSITIVE_INFINITY;
    let hi = -1;
    for (let k = 0; k < nodes.length; k++) {
      const b = this.bitOf[nodes[k]!]!;
      if (b < 0) continue;
      lo = Math.min(lo, b >>> 5);
      hi = Math.max(hi, b >>> 5);
    }
    const set: UserFacingBits = { lo: hi < 0 ? 0 : lo, words: new Uint32Array(hi < 0 ? 0 : hi - lo + 1) };
    for (let k = 0; k < nodes.length; k++) {
      const b = this.bitOf[nodes[k]!]!;
      if (b >= 0) set.words[(b >>> 5) - set.lo]! |= 1 << (b & 31);
    }
    return set;
  }

  /** Computes and keeps the bitsets of the big failures and the lists of the small ones among CIs from..to (exclusive) while the cache has room (their closures must be counted). */
  warm(from = 0, to = this.prepared.graph.ids.length): void {
    for (let x = from; x < to && this.keptBytes < this.options.cacheBytes; x++) {
      if (this.isBig(x)) this.of(x);
      else this.listOf(x);
    }
  }
}

const closureBitsOf = new WeakMap<RcaGraph, ClosureBits>();

/** The bitsets of one prepared graph (made on first use). */
export function closureBits(prepared: RcaGraph): ClosureBits {
  let bits = closureBitsOf.get(prepared);
  if (!bits) {
    bits = new ClosureBits(prepared);
    closureBitsOf.set(prepared, bits);
  }
  return bits;
}

/**
 * Makes `prepared`'s bitsets from `previous`'s (the graph it was brought up to date from,
 * each CI numbered as there): numbered as they were, with the sets and lists kept for CIs
 * not `dirty` (what a failure of those breaks is unchanged: rootcause/carry.ts). The bits
 * of user-facing CIs created since come after the others, so a closure holding one spans
 * more words until the next whole load. False when `previous` had none (nothing to carry).
 */
export function carryClosureBits(previous: RcaGraph, prepared: RcaGraph, dirty: Uint8Array): boolean {
  const before = closureBitsOf.get(previous);
  if (!before || closureBitsOf.has(prepared)) return false;
  closureBitsOf.set(prepared, ClosureBits.carried(prepared, before, dirty));
  return true;
}

/** How many CIs `set` holds. */
function sizeOf(set: UserFacingBits): number {
  let count = 0;
  for (let w = 0; w < set.words.length; w++) count += popcount(set.words[w]!);
  return count;
}

/** The bit numbers in x and not in y. */
function bitsMinus(x: UserFacingBits, y: UserFacingBits): Int32Array {
  const out: number[] = [];
  for (let w = 0; w < x.words.length; w++) {
    const at = x.lo + w - y.lo;
    const other = at >= 0 && at < y.words.length ? y.words[at]! : 0;
    for (let m = x.words[w]! & ~other; m !== 0; m &= m - 1) out.push(((x.lo + w) << 5) + 31 - Math.clz32(m & -m));
  }
  return Int32Array.from(out);
}

/**
 * Sets of user-facing CIs each counted against many others (|S_k ∩ T|, memoised per key
 * of T). Look-alike failures break nearly the same CIs: a set that differs from an
 * earlier one by fewer CIs than it has words is counted as that one's count, plus what it
 * has more and less (each a bit test, the differences found word by word); an identical
 * one reuses the count.
 */
export class SetFamily {
  /** The earlier set each is counted from (-1: counted directly). */
  readonly ref: Int32Array;
  /** The bits each has more and less than its earlier set. */
  private readonly more: Int32Array[];
  private readonly less: Int32Array[];
  private readonly memo: Int32Array;

  constructor(
    readonly sets: readonly UserFacingBits[],
    private readonly keys: number,
  ) {
    const k = sets.length;
    const sizes = sets.map(sizeOf);
    this.ref = new Int32Array(k).fill(-1);
    this.more = sets.map(() => new Int32Array(0));
    this.less = sets.map(() => new Int32Array(0));
    for (let i = 0; i < k; i++) {
      let best = sets[i]!.words.length;
      for (let j = 0; j < i && best > 0; j++) {
        const differ = sizes[i]! + sizes[j]! - 2 * countBoth(sets[i]!, sets[j]!);
        if (differ < best) {
          best = differ;
          this.ref[i] = j;
        }
      }
      const j = this.ref[i]!;
      if (j < 0) continue;
      this.more[i] = bitsMinus(sets[i]!, sets[j]!);
      this.less[i] = bitsMinus(sets[j]!, sets[i]!);
    }
    this.memo = new Int32Array(k * keys).fill(-1);
  }

  /** |S_k ∩ other|, `other` known by `key` (0 <= key < keys). */
  count(k: number, key: number, other: UserFacingBits): number {
    let v = this.memo[k * this.keys + key]!;
    if (v >= 0) return v;
    const j = this.ref[k]!;
    if (j < 0) v = countBoth(this.sets[k]!, other);
    else {
      v = this.count(j, key, other);
      const more = this.more[k]!;
      const less = this.less[k]!;
      for (let m = 0; m < more.length; m++) v += hasBit(other, more[m]!);
      for (let m = 0; m < less.length; m++) v -= hasBit(other, less[m]!);
    }
    this.memo[k * this.keys + key] = v;
    return v;
  }
}

/** 1 when `set` holds bit `b`, else 0. */
function hasBit(set: UserFacingBits, b: number): number {
  const w = (b >>> 5) - set.lo;
  return w >= 0 && w < set.words.length ? (set.words[w]! >>> (b & 31)) & 1 : 0;
}
