import type { CheckResult } from '../csr-policy/types.ts';
import { fail, pass, skip } from '../csr-policy/types.ts';

/** What /configz said about the kubelet's TLS settings, or why it could not be read. */
export type ConfigzEvidence =
  | { ok: true; serverTLSBootstrap?: boolean | undefined; rotateCertificates?: boolean | undefined }
  | { ok: false; error: string; forbidden: boolean };

/**
 * The kubelet serialises its configuration with omitempty, so an explicit `false` is absent
 * from /configz, exactly like a setting never made (both default to false): absent reads as
 * "false (or not set)", never as a third state.
 */
export function configzValue(v: boolean | undefined): string {
  return v === undefined ? 'false (or not set)' : String(v);
}

export function configzCheck(configz: ConfigzEvidence): CheckResult {
  if (!configz.ok) {
    return skip(
      'configz',
      configz.forbidden
        ? `cannot read /configz: reading it through the API server needs the nodes/proxy permission (${configz.error})`
        : `cannot read /configz: ${configz.error}`,
    );
  }
  const { serverTLSBootstrap, rotateCertificates } = configz;
  const text = `serverTLSBootstrap: ${configzValue(serverTLSBootstrap)}, rotateCertificates: ${configzValue(rotateCertificates)}`;
  return serverTLSBootstrap === true && rotateCertificates !== false
    ? pass('configz', text)
    : fail('configz', text);
}
