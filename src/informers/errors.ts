import { ObjectKeyError } from '../apimachinery/object-key.js';

/**
 * An object for which no cache key can be computed (no `metadata`, empty `metadata.name`, or a
 * custom key function that threw). It is an {@link ObjectKeyError}, so one `instanceof` check
 * covers both the apimachinery helpers and the informer caches.
 *
 * The offending object is kept on `obj` for debugging but is not enumerable: a logger that
 * serialises the error must not dump a whole object (it may be a Secret) into the log.
 */
export class KeyError extends ObjectKeyError {
  override name = 'KeyError';
  declare readonly obj: unknown;

  constructor(message: string, obj: unknown, options?: { cause?: unknown }) {
    super(message, options);
    Object.defineProperty(this, 'obj', { value: obj, enumerable: false });
  }
}

/** Base class of the indexer's typed errors. */
export class IndexError extends Error {
  override name = 'IndexError';
}

/** An indexer was asked about an index name it has no index function for. */
export class IndexNotFoundError extends IndexError {
  override name = 'IndexNotFoundError';

  constructor(readonly indexName: string) {
    super(`index ${JSON.stringify(indexName)} does not exist; add it with addIndexers() first`);
  }
}

/** `addIndexers` was given a name that is already registered; nothing was added. */
export class IndexConflictError extends IndexError {
  override name = 'IndexConflictError';

  constructor(readonly indexNames: readonly string[]) {
    super(
      `indexer conflict: ${indexNames.map((n) => JSON.stringify(n)).join(', ')} already registered; nothing was added`,
    );
  }
}

/**
 * An index function threw or returned something other than an array of strings. The write (or
 * query) that called it was rejected before anything changed; `cause` holds what the function
 * threw.
 */
export class IndexFuncError extends IndexError {
  override name = 'IndexFuncError';

  constructor(
    readonly indexName: string,
    /** Key of the object being indexed; undefined for a query (`index()`). */
    readonly key: string | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(
      `index function ${JSON.stringify(indexName)} failed${key === undefined ? '' : ` for ${JSON.stringify(key)}`}: ${message}`,
      options,
    );
  }
}

/** A DeltaFIFO transformer threw; the object was not queued. `cause` holds what it threw. */
export class TransformError extends Error {
  override name = 'TransformError';

  constructor(
    readonly key: string,
    options?: { cause?: unknown },
  ) {
    const cause = options?.cause instanceof Error ? `: ${options.cause.message}` : '';
    super(`transform failed for ${JSON.stringify(key)}${cause}; the object was dropped`, options);
  }
}

/** `DeltaFIFO.pop` was called (or was waiting) on a FIFO that is closed and empty. */
export class FIFOClosedError extends Error {
  override name = 'FIFOClosedError';

  constructor() {
    super('DeltaFIFO is closed');
  }
}
