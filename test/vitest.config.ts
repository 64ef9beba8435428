import { defineProject } from 'vitest/config';

// End-to-end tests share one sandbox cluster per run (global setup); names are unique per test.
export default defineProject({
  test: {
    name: 'e2e',
    include: ['e2e/**/*.test.ts'],
    globalSetup: ['./global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
