import { defineConfig } from 'vitest/config';

// One run, four projects: core (pure), plugin (CLI in-process and as a process), e2e (the sandbox),
// extension (in a real VS Code).
export default defineConfig({
  test: {
    projects: ['packages/core', 'plugin', 'test', 'extension'],
  },
});
