import type { PolicyOptions } from '@kubectl-certs/core';

export interface Selection {
  names: string[];
  nodes: string[];
  all: boolean;
}

export interface ApproveSettings {
  selection: Selection;
  dryRun: boolean;
  deny: boolean;
  showIgnored: boolean;
  options: PolicyOptions;
  timeoutMs: number;
  concurrency: number;
  progress?: (label: string, done: number) => void;
}
