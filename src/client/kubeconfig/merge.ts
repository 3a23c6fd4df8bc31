import type { KubeConfigFile, NamedCluster, NamedContext, NamedExtension, NamedUser } from './types.js';

/** Several kubeconfig files combined by kubectl's rules; see {@link mergeKubeConfigFiles}. */
export interface MergedKubeConfig {
  /** The files that contributed, in precedence order (files given as text have no entry). */
  sources: string[];
  currentContext?: string;
  clusters: Map<string, NamedCluster>;
  users: Map<string, NamedUser>;
  contexts: Map<string, NamedContext>;
  preferences?: Record<string, unknown>;
  extensions?: NamedExtension[];
}

/**
 * Merges kubeconfig files in precedence order the way kubectl does with a `KUBECONFIG` list:
 * the first file that defines a cluster, user or context name wins and that entry is taken
 * whole (fields of a same-named entry in a later file are not mixed in), and the first file that
 * sets `current-context` (or `preferences`, `extensions`) wins. The result holds the same entry
 * objects as the inputs; nothing is copied.
 */
export function mergeKubeConfigFiles(files: readonly KubeConfigFile[]): MergedKubeConfig {
  const merged: MergedKubeConfig = {
    sources: [],
    clusters: new Map(),
    users: new Map(),
    contexts: new Map(),
  };
  for (const file of files) {
    if (file.source !== undefined) merged.sources.push(file.source);
    addFirst(merged.clusters, file.clusters);
    addFirst(merged.users, file.users);
    addFirst(merged.contexts, file.contexts);
    if (merged.currentContext === undefined && file.currentContext)
      merged.currentContext = file.currentContext;
    if (merged.preferences === undefined && file.preferences !== undefined)
      merged.preferences = file.preferences;
    if (merged.extensions === undefined && file.extensions !== undefined) merged.extensions = file.extensions;
  }
  return merged;
}

function addFirst<T extends { name: string }>(target: Map<string, T>, entries: readonly T[]): void {
  for (const entry of entries) {
    if (!target.has(entry.name)) target.set(entry.name, entry);
  }
}
