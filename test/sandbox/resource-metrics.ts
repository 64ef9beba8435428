/**
 * A kubelet's `/metrics/resource` as metrics-server (0.6+) reads it: the node's two series, in the
 * Prometheus text format, each sample with the kubelet's own timestamp (pkg/scraper/client/resource
 * decode.go). The 1.20 kubelet of the sandbox serves them under the names metrics-server looks for:
 *
 *   node_cpu_usage_seconds_total 1136.770629575 1796219094654
 *   node_memory_working_set_bytes 3.547291648e+09 1796219094654
 *
 * and a new sample about every 10 seconds (cAdvisor's housekeeping), sometimes sooner. CPU is a
 * counter: its rate needs two samples, so a node is reported only from its second distinct one
 * (pkg/storage). metrics-server scrapes every --metric-resolution; the stand-in scrapes when asked,
 * so its window is between the last two samples it saw, which may be well under a second apart.
 */
export interface NodePoint {
  /** When the kubelet measured it (ms since the epoch). */
  timestamp: number;
  /** Cumulative CPU time of the node, in nanoseconds. */
  cpuNanos: number;
  memoryBytes: number;
}

const CPU = 'node_cpu_usage_seconds_total';
const MEMORY = 'node_memory_working_set_bytes';

/**
 * The node's point in a `/metrics/resource` answer (a sample without a timestamp is taken at
 * `requestTime`, as metrics-server does); a string in metrics-server's terms when it has none.
 * Only label-less node series are read; the container ones are not (the stand-in serves no pods).
 */
export function decodeNodePoint(text: string, requestTime: number): NodePoint | string {
  const point: Partial<NodePoint> = {};
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const [series, value, ts] = line.trim().split(/\s+/);
    const name = series?.replace(/\{\}$/, '');
    if ((name !== CPU && name !== MEMORY) || value === undefined) continue;
    const v = Number(value);
    if (Number.isNaN(v)) return `failed parsing metrics: ${line}`;
    point.timestamp = ts === undefined ? requestTime : Number(ts);
    if (name === CPU) point.cpuNanos = Math.trunc(v * 1e9);
    else point.memoryBytes = Math.trunc(v);
  }
  // metrics-server drops a node whose CPU or memory is zero or missing ("Failed getting complete node metric").
  if (!point.timestamp || !point.cpuNanos || !point.memoryBytes) return 'Failed getting complete node metric';
  return point as NodePoint;
}

/** The last two distinct points of each node (metrics-server's nodeStorage). */
export class NodeStorage {
  private readonly points = new Map<string, { last: NodePoint; prev?: NodePoint }>();

  /** A new point replaces the last one only when it is newer: the kubelet serves one sample for ~10 s. */
  store(node: string, point: NodePoint): void {
    const had = this.points.get(node);
    if (!had) this.points.set(node, { last: point });
    else if (point.timestamp > had.last.timestamp) this.points.set(node, { last: point, prev: had.last });
  }

  /** A failed scrape: metrics-server keeps only the nodes of its last batch. */
  forget(node: string): void {
    this.points.delete(node);
  }

  /** The node's usage over the window of its last two points (metrics-server's resourceUsage); else why none. */
  usage(node: string): { timestamp: string; window: string; cpu: string; memory: string } | string {
    const p = this.points.get(node);
    if (!p?.prev) return 'one point so far: CPU usage needs a second scrape';
    const { last, prev } = p;
    if (last.cpuNanos < prev.cpuNanos) return 'unexpected decrease in cumulative CPU usage value';
    const windowMs = last.timestamp - prev.timestamp;
    return {
      timestamp: new Date(Math.floor(last.timestamp / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
      window: goDuration(windowMs),
      cpu: decimalQuantity(Math.trunc((last.cpuNanos - prev.cpuNanos) / (windowMs / 1000)), -9),
      memory: binaryQuantity(last.memoryBytes),
    };
  }
}

/** Go's time.Duration.String() of a whole number of milliseconds (metav1.Duration in JSON). */
export function goDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = ((ms % 60_000) / 1000).toFixed(3).replace(/\.?0+$/, '');
  return `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${s}s`;
}

const DECIMAL_SUFFIX: Record<number, string> = { [-9]: 'n', [-6]: 'u', [-3]: 'm', 0: '', 3: 'k', 6: 'M' };

/** resource.Quantity's canonical DecimalSI text of `value`×10^`scale` (trailing zeros folded by thousands). */
export function decimalQuantity(value: number, scale: number): string {
  let v = value;
  let e = scale;
  while (v !== 0 && v % 1000 === 0 && e < 6) {
    v /= 1000;
    e += 3;
  }
  return v === 0 ? '0' : `${v}${DECIMAL_SUFFIX[e]}`;
}

const BINARY_SUFFIX = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

/** resource.Quantity's canonical BinarySI text of a byte count (below 1024 or not a multiple of it: plain). */
export function binaryQuantity(bytes: number): string {
  let v = bytes;
  let i = 0;
  while (v >= 1024 && v % 1024 === 0 && i < BINARY_SUFFIX.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v}${BINARY_SUFFIX[i]}`;
}
