import { type CaBundleValue, findCaBundles } from '@kubectl-certs/core';
import type * as vscode from 'vscode';
import { parseCacheOf } from './diagnostics.ts';

const cache = new WeakMap<vscode.TextDocument, { version: number; values: CaBundleValue[] }>();

/** The caBundle values of a document, decoded once per version (hover and CodeLens both ask). */
export function caBundlesOf(doc: vscode.TextDocument): CaBundleValue[] {
  const known = cache.get(doc);
  if (known?.version === doc.version) return known.values;
  const values = findCaBundles(doc.getText(), parseCacheOf(doc.uri));
  cache.set(doc, { version: doc.version, values });
  return values;
}
