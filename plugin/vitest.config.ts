import { readFileSync } from 'node:fs';
import { defineProject } from 'vitest/config';

const { version } = JSON.parse(readFileSync(new URL('package.json', import.meta.url), 'utf8')) as {
  version: string;
};

// KUBECTL_CERTS_VERSION is set by the build (build.ts); tests that run sources in process need it too.
export default defineProject({
  define: { KUBECTL_CERTS_VERSION: JSON.stringify(version) },
  test: { name: 'plugin', include: ['test/**/*.test.ts'] },
});
