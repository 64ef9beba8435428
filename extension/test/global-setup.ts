import { ensureVscodeTools } from './harness/tools.ts';

/** code-server and chromium, installed once into the cache (a no-op when they are there). */
export default function setup(): void {
  ensureVscodeTools();
}
