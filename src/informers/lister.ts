import { type LabelSelectorMatcher, parseLabelSelector } from '../apimachinery/label-selector.js';
import type { KubeObject } from '../client/resource-type.js';
import { type Indexer, NamespaceIndex } from './store.js';

/** A label selector for listers: the API's string syntax (parsed once) or a parsed matcher. */
export type SelectorInput = string | LabelSelectorMatcher;

function toMatcher(selector: SelectorInput | undefined): LabelSelectorMatcher | undefined {
  if (selector === undefined || selector === '') return undefined;
  const matcher = typeof selector === 'string' ? parseLabelSelector(selector) : selector;
  return matcher.isEverything() ? undefined : matcher;
}

function filter<T extends KubeObject>(items: T[], matcher: LabelSelectorMatcher | undefined): T[] {
  if (!matcher) return items;
  const out: T[] = [];
  for (const item of items) if (matcher.matchesObject(item)) out.push(item);
  return out;
}

/**
 * Reads an informer's cache: no API calls. Returned objects are the cache's own — shared and
 * read-only; copy before changing them. An invalid selector string throws
 * `SelectorParseError` pointing at the offending position.
 */
export class Lister<T extends KubeObject> {
  constructor(private readonly indexer: Indexer<T>) {}

  /** Every cached object the selector matches (all of them without one), across namespaces. */
  list(selector?: SelectorInput): T[] {
    return filter(this.indexer.list(), toMatcher(selector));
  }

  /** One object by key (`namespace/name`, or `name` for cluster-scoped resources). */
  getByKey(key: string): T | undefined {
    return this.indexer.getByKey(key);
  }

  /** Cluster-scoped objects by name. */
  get(name: string): T | undefined {
    return this.indexer.getByKey(name);
  }

  /** A view of one namespace, served by the namespace index. */
  namespace(namespace: string): NamespaceLister<T> {
    return new NamespaceLister(this.indexer, namespace);
  }
}

/** A {@link Lister} restricted to one namespace. */
export class NamespaceLister<T extends KubeObject> {
  constructor(
    private readonly indexer: Indexer<T>,
    readonly namespace: string,
  ) {}

  /** The namespace's objects the selector matches. */
  list(selector?: SelectorInput): T[] {
    return filter(this.indexer.byIndex(NamespaceIndex, this.namespace), toMatcher(selector));
  }

  /** One object of this namespace by name. */
  get(name: string): T | undefined {
    return this.indexer.getByKey(`${this.namespace}/${name}`);
  }
}
