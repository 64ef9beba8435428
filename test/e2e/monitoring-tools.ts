import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Debian's Prometheus server and its promtool. */
export const PROMETHEUS = '/usr/bin/prometheus';
export const PROMTOOL = '/usr/bin/promtool';

/** Kept in step with scripts/monitoring-setup.sh, which installs them. */
const TOOLS = [PROMETHEUS, PROMTOOL];

export class MonitoringToolsError extends Error {
  override name = 'MonitoringToolsError';
}

/** The tools a monitoring test needs, or one line saying how to install them. */
export function requireMonitoringTools(): void {
  const missing = TOOLS.filter((t) => !existsSync(t));
  if (missing.length > 0)
    throw new MonitoringToolsError(
      `monitoring test tools missing (${missing.join(', ')}): run "bash scripts/monitoring-setup.sh" (apt-get, needs root)`,
    );
}

/** Installs Prometheus with scripts/monitoring-setup.sh when missing; the test command calls it. */
export function ensureMonitoringTools(): void {
  if (TOOLS.every((t) => existsSync(t))) return;
  process.stderr.write('monitoring test tools missing: installing them once with apt-get\n');
  const script = new URL('../../scripts/monitoring-setup.sh', import.meta.url).pathname;
  const r = spawnSync('bash', [script], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0)
    throw new MonitoringToolsError(
      `installing the monitoring test tools failed (exit ${r.status}); see the lines above`,
    );
}
