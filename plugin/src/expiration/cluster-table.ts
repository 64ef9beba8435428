import { type ExpiryRow, kubeadmDate, shortHumanDuration } from '@kubectl-certs/core';
import { renderData, renderTable } from '../output.ts';

export function renderClusterRows(rows: ExpiryRow[], format: 'table' | 'json' | 'yaml'): string {
  if (format !== 'table')
    return renderData(
      { apiVersion: 'kubectl-certs.io/v1alpha1', kind: 'ClusterCertificateReport', items: rows },
      format,
    );
  return renderTable(
    ['what', 'where', 'subject', 'issuer', 'expires', 'residual'],
    rows.map((r) =>
      r.error
        ? [r.what, r.where, `error: ${r.error}`, '-', '-', '-']
        : [
            r.what,
            r.where,
            r.subject,
            r.issuerKind ?? '',
            kubeadmDate(new Date(r.notAfter ?? 0)),
            shortHumanDuration((r.residualSeconds ?? 0) * 1000),
          ],
    ),
  );
}
