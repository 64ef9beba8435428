import { defineConfig } from 'vitest/config';

// One run, three projects: core (pure), plugin (CLI in-process and as a process), e2e (the sandbox).
export default defineConfig({
  test: {
    projects: ['packages/core', 'plugin', 'test'],
  },
});
