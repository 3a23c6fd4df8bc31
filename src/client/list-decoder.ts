/**
 * Incremental decoding of a LIST answer (`{"kind":…,"metadata":…,"items":[{…},{…}]}`).
 *
 * A large list (50,000 objects is 60 MB of JSON) otherwise waits for its last byte before
 * `JSON.parse` can start, and holds the body, its string and the whole parsed tree at once. This
 * decoder parses the elements of the top-level `items` array while the bytes arrive, a batch of
 * whole elements at a time, so decoding overlaps the transfer and no copy of the whole body is
 * kept. Everything outside `items` (the envelope: kind, apiVersion, metadata with resourceVersion
 * and continue) is collected and parsed at the end, wherever `items` sits in it (custom resource
 * lists put it first).
 *
 * Element boundaries come from a fast path (one search per chunk, see `skim`) or, when that does
 * not apply, from an exact scanner that understands only what it must: strings (with escapes,
 * split anywhere across chunks), nesting, separators and the `"items"` key of the root object. A
 * body it cannot split (a root that is not an object) is buffered and given to `JSON.parse` whole.
 * The result is always what `JSON.parse` of the entire body would give; malformed input throws a
 * `SyntaxError`.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
// `"items":` as a key of the root object: preceded by `{` or `,` so that a key such as
// `"a\"items"` (which ends in the same characters) is not taken for it.
const itemsKey = /[{,]\s*"items"\s*:\s*$/;
// The start of the first element, up to its first key: `{"metadata"` (whitespace before it is
// allowed, not inside it). Keys with escapes do not qualify.
const firstKey = /^\s*(\{"[A-Za-z0-9_$-]{1,64}")/;
/** Bytes the fast path holds without finding a boundary before it gives up (an element this big is rare). */
const maxSkimBytes = 8 * 1024 * 1024;

/** What `transformItem` threw, told apart from the decoder's own SyntaxErrors. */
export class ItemTransformFailure extends Error {
  constructor(override readonly cause: unknown) {
    super('transformItem threw', { cause });
  }
}

/** Decodes one list body fed in chunks; see the module comment. */
export class ListBodyDecoder {
  /**
   * `transformItem` is applied to each element as soon as it is parsed; what it throws ends
   * `write` as an {@link ItemTransformFailure}.
   */
  constructor(private readonly transformItem?: (item: unknown) => unknown) {}

  private readonly items: unknown[] = [];
  /** Bytes of the envelope (everything but the elements of `items`). */
  private envelope: Buffer[] = [];
  /** Bytes of an element that started in an earlier chunk. */
  private itemParts: Buffer[] = [];
  private depth = 0;
  private inString = false;
  /** The last byte of the previous chunk was an unpaired backslash inside a string. */
  private escaped = false;
  private inItems = false;
  /** An element of `items` ended and no comma followed it yet. */
  private needComma = false;
  /** Elements of `items` seen so far. */
  private elements = 0;
  private itemsSeen = false;
  private started = false;
  private rootClosed = false;
  /** Elements decoded on the fast path (see {@link skim}), for tests and diagnostics. */
  skimmed = 0;
  /** The fast path through `items` may be (or is) taken; see {@link skim}. */
  private skimAllowed = true;
  private skimming = false;
  /** Bytes the fast path holds: the elements after the last boundary found. */
  private held: Buffer[] = [];
  private heldBytes = 0;
  /** Where the first held element begins in `held[0]`. */
  private skimFrom = 0;
  /** `},` and how the first element began, e.g. `},{"metadata"`. */
  private boundary: Buffer | undefined;
  /** The last held bytes (one fewer than the boundary has), to find a boundary cut in two. */
  private seam: Buffer = Buffer.alloc(0);
  /** Not splittable: every chunk is kept for one JSON.parse at the end. */
  private whole: Buffer[] | undefined;
  private bytes = 0;

  /** Feeds the next chunk of the body. Throws SyntaxError when the body cannot be a list. */
  write(chunk: Buffer): void {
    const n = chunk.length;
    if (n === 0) return;
    const offset = this.bytes;
    this.bytes += n;
    if (this.whole) {
      this.whole.push(chunk);
      return;
    }
    let i = 0;
    if (!this.started) {
      while (i < n && isSpace(chunk[i]!)) i++;
      if (i === n) return;
      this.started = true;
      if (chunk[i] !== OPEN_BRACE) {
        // Not an object: nothing to split. Keep the bytes for JSON.parse (and its error).
        this.whole = [chunk.subarray(i)];
        return;
      }
    }
    if (this.skimming) this.skim(chunk.subarray(i));
    else this.scan(i === 0 ? chunk : chunk.subarray(i), offset + i);
  }

  /**
   * The exact scanner: follows strings, escapes and nesting byte by byte from the current
   * state. `offset` is the body position of `chunk` (for error messages).
   */
  private scan(chunk: Buffer, offset: number): void {
    const n = chunk.length;
    let i = 0;
    const at = (pos: number) => `at byte ${offset + pos}`;
    // The scan state lives in locals while it runs (it is read for every byte).
    let depth = this.depth;
    let inString = this.inString;
    let inItems = this.inItems;
    // Start of the envelope segment in this chunk (-1 while inside `items`), and of the element
    // being read (-1 when between elements or when it started in an earlier chunk).
    let envFrom = inItems ? -1 : 0;
    let itemFrom = -1;
    // The elements that start and end in this chunk, parsed together at its end: one JSON.parse
    // per chunk costs less than one per element.
    let batchFrom = -1;
    let batchTo = -1;
    if (this.escaped) {
      this.escaped = false;
      i = 1;
    }
    while (i < n) {
      if (inString) {
        // To the closing quote; a backslash escapes the byte after it (maybe in the next chunk).
        let b = 0;
        for (; i < n; i++) {
          b = chunk[i]!;
          if (b === QUOTE || b === BACKSLASH) break;
        }
        if (i === n) break;
        if (b === BACKSLASH) {
          if (i + 1 === n) this.escaped = true;
          i += 2;
          continue;
        }
        inString = false;
        i++;
        continue;
      }
      const c = chunk[i]!;
      const betweenItems = inItems && depth === 2;
      if (c === QUOTE) {
        if (betweenItems) throw new SyntaxError(`list items must be objects; found a string ${at(i)}`);
        inString = true;
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        if (betweenItems) {
          if (c !== OPEN_BRACE) throw new SyntaxError(`list items must be objects; found an array ${at(i)}`);
          if (this.needComma) throw new SyntaxError(`missing "," between list items ${at(i)}`);
          itemFrom = i;
        } else if (depth === 0 && this.rootClosed) {
          throw new SyntaxError(`unexpected data after the end of the list ${at(i)}`);
        } else if (c === OPEN_BRACKET && depth === 1 && !inItems && this.isItemsKey(chunk, envFrom, i)) {
          this.envelope.push(Buffer.from(chunk.subarray(envFrom, i + 1)));
          envFrom = -1;
          inItems = true;
          this.itemsSeen = true;
          if (this.skimAllowed) {
            // At the start of the items, between elements, nothing pending: hand the rest over.
            this.depth = 2;
            this.inString = false;
            this.inItems = true;
            this.skimming = true;
            this.skim(chunk.subarray(i + 1));
            return;
          }
        }
        depth++;
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        if (betweenItems) {
          if (c !== CLOSE_BRACKET) throw new SyntaxError(`unbalanced "}" ${at(i)}`);
          if (!this.needComma && this.elements > 0)
            throw new SyntaxError(`unexpected "," before the end of list items ${at(i)}`);
          inItems = false;
          envFrom = i;
        }
        depth--;
        if (depth < 0) throw new SyntaxError(`unbalanced "${String.fromCharCode(c)}" ${at(i)}`);
        if (inItems && depth === 2) {
          // An element ends here.
          this.needComma = true;
          this.elements++;
          if (itemFrom === -1) {
            this.emitSpanning(chunk, i + 1);
          } else {
            if (batchFrom === -1) batchFrom = itemFrom;
            batchTo = i + 1;
            itemFrom = -1;
          }
        } else if (depth === 0) {
          this.rootClosed = true;
        }
      } else if (betweenItems) {
        if (c === COMMA) {
          if (!this.needComma) throw new SyntaxError(`unexpected "," in list items ${at(i)}`);
          this.needComma = false;
        } else if (!isSpace(c)) {
          throw new SyntaxError(
            `list items must be objects; found ${JSON.stringify(String.fromCharCode(c))} ${at(i)}`,
          );
        }
      } else if (depth === 0 && !isSpace(c)) {
        throw new SyntaxError(`unexpected data after the end of the list ${at(i)}`);
      }
      i++;
    }
    this.depth = depth;
    this.inString = inString;
    this.inItems = inItems;
    if (batchFrom !== -1) this.emitBatch(chunk, batchFrom, batchTo);
    if (envFrom !== -1) this.envelope.push(Buffer.from(chunk.subarray(envFrom)));
    else if (itemFrom !== -1) this.itemParts.push(chunk.subarray(itemFrom));
    else if (inItems && depth > 2) this.itemParts.push(chunk);
  }

  /**
   * Ends the body and returns what `JSON.parse` of all of it would: the envelope with `items`
   * holding the elements decoded on the way. Returns undefined for an empty body. Throws
   * SyntaxError for a truncated or malformed body.
   */
  end(): unknown {
    if (this.bytes === 0) return undefined;
    if (this.whole) return JSON.parse(Buffer.concat(this.whole).toString('utf8'));
    if (this.skimming) this.stopSkimming();
    if (!this.rootClosed) throw new SyntaxError(`the list ended early, after ${this.bytes} bytes`);
    const envelope = JSON.parse(Buffer.concat(this.envelope).toString('utf8')) as Record<string, unknown>;
    if (this.itemsSeen) envelope.items = this.items;
    return envelope;
  }

  /**
   * The fast path through `items`. Elements are not scanned byte by byte: the last place in the
   * bytes held where one element ends and the next begins is found with one search for
   * `},` followed by how the first element began (`{"metadata"` for built-in types), and
   * everything before it is parsed as one array. In valid JSON that sequence cannot lie inside
   * a string (its quote would have to end the string and be followed by a letter), so it is
   * always `}`, a separator and an object with the same first key; if that object is nested
   * (an array of such objects inside an element), the text before it does not parse, and the
   * exact scanner takes over for the rest of the list. So does anything unexpected: an element
   * that does not start like that, or more than `maxSkimBytes` without a boundary.
   */
  private skim(piece: Buffer): void {
    if (piece.length === 0) return;
    this.held.push(piece);
    this.heldBytes += piece.length;
    // Where the last boundary in the held bytes starts (-1: none), relative to all of them.
    let found = -1;
    if (this.boundary === undefined) {
      const first = Buffer.concat(this.held);
      this.held = [first];
      const match = firstKey.exec(first.toString('latin1', 0, Math.min(first.length, 300)));
      if (match === null) {
        // No element yet, an empty list or an unusual start: decide once enough is here.
        if (first.length >= 300 || /^\s*\]/.test(first.toString('latin1', 0, 20))) this.stopSkimming();
        return;
      }
      const start = match[1]!;
      this.boundary = Buffer.from(`},${start}`, 'latin1');
      this.skimFrom = match[0].length - start.length;
      found = first.lastIndexOf(this.boundary);
    } else {
      const before = this.heldBytes - piece.length;
      const inPiece = piece.lastIndexOf(this.boundary);
      if (inPiece !== -1) {
        found = before + inPiece;
      } else if (this.seam.length > 0) {
        // A boundary cut in two by the piece's start.
        const seam = Buffer.concat([this.seam, piece.subarray(0, this.boundary.length - 1)]);
        const inSeam = seam.lastIndexOf(this.boundary);
        if (inSeam !== -1) found = before - this.seam.length + inSeam;
      }
    }
    const keep = this.boundary.length - 1;
    if (found === -1) {
      this.seam = Buffer.from(
        piece.length >= keep
          ? piece.subarray(piece.length - keep)
          : Buffer.concat([this.seam, piece]).subarray(-keep),
      );
      if (this.heldBytes > maxSkimBytes) this.stopSkimming();
      return;
    }
    const all = this.held.length === 1 ? this.held[0]! : Buffer.concat(this.held, this.heldBytes);
    const end = found + 1; // the element ends with the boundary's `}`
    let batch: unknown[];
    try {
      batch = JSON.parse(`[${all.toString('utf8', this.skimFrom, end)}]`) as unknown[];
    } catch {
      this.held = [all];
      this.stopSkimming();
      return;
    }
    this.needComma = false;
    this.elements += batch.length;
    this.skimmed += batch.length;
    for (const item of batch) this.push(item);
    // Keep the next element, from its `{` (after the boundary's comma).
    this.held = [all.subarray(end + 1)];
    this.heldBytes = all.length - end - 1;
    this.skimFrom = 0;
    this.seam = Buffer.from(all.subarray(Math.max(end + 1, all.length - keep)));
  }

  /** Hands what the fast path holds to the exact scanner, which does the rest of the list. */
  private stopSkimming(): void {
    this.skimming = false;
    this.skimAllowed = false;
    const rest = Buffer.concat(this.held).subarray(this.skimFrom);
    this.held = [];
    this.heldBytes = 0;
    this.skimFrom = 0;
    this.scan(rest, this.bytes - rest.length);
  }

  private isItemsKey(chunk: Buffer, envFrom: number, at: number): boolean {
    // Rare (only at an array value of the root object), so building the text is cheap enough.
    const tail = Buffer.concat([...this.envelope, chunk.subarray(envFrom, at)]);
    return itemsKey.test(tail.toString('utf8', Math.max(0, tail.length - 64)));
  }

  /** The element that began in an earlier chunk and ends at `to`. */
  private emitSpanning(chunk: Buffer, to: number): void {
    this.itemParts.push(chunk.subarray(0, to));
    const text = Buffer.concat(this.itemParts).toString('utf8');
    this.itemParts = [];
    this.push(JSON.parse(text));
  }

  /** Whole elements, separated by commas only (checked while scanning), as one array. */
  private emitBatch(chunk: Buffer, from: number, to: number): void {
    const batch = JSON.parse(`[${chunk.toString('utf8', from, to)}]`) as unknown[];
    for (const item of batch) this.push(item);
  }

  private push(item: unknown): void {
    if (this.transformItem === undefined) {
      this.items.push(item);
      return;
    }
    let out: unknown;
    try {
      out = this.transformItem(item);
    } catch (err) {
      throw new ItemTransformFailure(err);
    }
    this.items.push(out);
  }
}
