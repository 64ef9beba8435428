import { setFlagsFromString } from 'node:v8';

/**
 * Keeps V8's young generation at its initial size instead of letting it grow to its maximum
 * (2 x 67 MB on 64-bit Node 24) under allocation bursts: page after page of API objects parsed,
 * converted and dropped. Measured on `approve-serving --all` over 5,000 CSRs: peak RSS 410 MB, of
 * which 134 MB young generation; with growth off, about 300 MB for the same CPU time
 * (BENCHMARKS.md). Heap sizes cannot be set once Node runs, but the growth factor is read at each
 * resize, so this takes effect from the next scavenge.
 */
// Called first by the commands that read many API objects (approve-serving, check-expiration,
// inspect-kubelet), not at start-up: it costs about 15 ms there, and a flag changed before the CLI
// is compiled would not match the code cache the single executable was built with. In the single
// executable, client-node's loader calls it too, before compiling client-node, so that every load
// of client-node sees the same flags as the build that made its code cache (plugin/build.ts).
export function keepYoungGenerationSmall(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}

/**
 * Makes V8's full collections reduce memory (compact, and give pages back) and its old generation
 * grow by smaller steps: what `approver run` wants once its lists are parsed and it idles. Set
 * after the approver's modules are compiled (a flag changed before would not match their code
 * cache); V8 reads it at each collection.
 */
export function optimizeHeapForSize(): void {
  setFlagsFromString('--optimize-for-size');
}

/** Undoes optimizeHeapForSize: while the approver works, its collections go for speed again. */
export function optimizeHeapForSpeed(): void {
  setFlagsFromString('--no-optimize-for-size');
}
