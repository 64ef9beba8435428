import { defineProject } from 'vitest/config';

// The extension in a real VS Code (code-server + chromium, installed once by the global setup).
export default defineProject({
  test: {
    name: 'extension',
    include: ['test/*.test.ts'],
    globalSetup: ['./test/global-setup.ts'],
    testTimeout: 120_000,
    // One VS Code at a time: each file starts its own code-server and chromium.
    fileParallelism: false,
    hookTimeout: 300_000,
  },
});
