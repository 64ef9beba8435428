/** Where the project lives; rule documentation links (SARIF, editor diagnostics) point here. */
export const PROJECT_URL = 'https://github.com/kubectl-certs/kubectl-certs';

/** The page that explains a rule: why it matters, the secure setting, what its fix does. */
export function ruleDocUrl(ruleId: string): string {
  return `${PROJECT_URL}/blob/main/docs/rules/${ruleId}.md`;
}
