import { defineProject } from 'vitest/config';

// The extension in a real VS Code (code-server + chromium, installed once by the global setup).
export default defineProject({
  test: {
    name: 'extension',
    include: ['test/*.test.ts'],
    globalSetup: ['./test/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
});
