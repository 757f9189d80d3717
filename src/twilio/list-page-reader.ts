const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COLON = 0x3a;
const COMMA = 0x2c;

/** A list page of Twilio's API: its envelope (`next_page_uri`, ...) and its items, each parsed when it is taken. */
export interface ListPageText {
  envelope: Record<string, unknown>;
  items: Iterable<unknown>;
}

/** Where the array of items is in a page's bytes, and where each of its objects starts and ends. */
interface ItemsLayout {
  arrayStart: number;
  arrayEnd: number;
  /** Start and end (exclusive) of each item, in pairs. */
  bounds: number[];
}

/**
 * Reads the page `body` (UTF-8 JSON: an object whose `key` is an array of objects) so that its
 * items are parsed one at a time, as they are taken: a whole page parsed at once is megabytes of
 * objects alive together, which the heap's young generation cannot hold and moves to the old
 * one, where it stays until a full collection. Anything that is not such a page is parsed whole.
 */
export function readListPage(body: Buffer, length: number, key: string): ListPageText {
  const layout = itemsLayout(body, length, key);
  if (!layout) {
    const envelope = JSON.parse(body.toString('utf8', 0, length)) as Record<string, unknown>;
    const items = envelope[key];
    return { envelope, items: Array.isArray(items) ? (items as unknown[]) : [] };
  }
  const envelope = JSON.parse(
    body.toString('utf8', 0, layout.arrayStart) + '[]' + body.toString('utf8', layout.arrayEnd, length),
  ) as Record<string, unknown>;
  return { envelope, items: parsedItems(body, layout.bounds) };
}

/** Where the string whose text starts at `from` ends: its closing quote, or -1. */
function closingQuote(body: Buffer, from: number, length: number): number {
  for (let quote = body.indexOf(QUOTE, from); quote >= 0 && quote < length; quote = body.indexOf(QUOTE, quote + 1)) {
    let backslashes = 0;
    while (body[quote - 1 - backslashes] === BACKSLASH) backslashes += 1;
    if (backslashes % 2 === 0) return quote;
  }
  return -1;
}

function* parsedItems(body: Buffer, bounds: number[]): Generator<unknown> {
  for (let i = 0; i < bounds.length; i += 2) yield JSON.parse(body.toString('utf8', bounds[i], bounds[i + 1]));
}

/**
 * Finds the top-level `key` whose value is an array of objects, by its bytes (no byte of a
 * multi-byte UTF-8 character is an ASCII one). Undefined for anything else, to be parsed whole.
 */
function itemsLayout(body: Buffer, length: number, key: string): ItemsLayout | undefined {
  const wanted = Buffer.from(JSON.stringify(key), 'utf8');
  let depth = 0;
  /** The last string closed in the top-level object, and whether a colon followed it: a key. */
  let lastTopString: [number, number] | undefined;
  let keyPending = false;
  let layout: ItemsLayout | undefined;
  let inItems = false;
  let itemStart = -1;
  let expectItem = true;
  for (let i = 0; i < length; i += 1) {
    const byte = body[i]!;
    if (byte === QUOTE) {
      if (inItems && depth === 2) return undefined;
      const end = closingQuote(body, i + 1, length);
      if (end < 0) return undefined;
      if (depth === 1) lastTopString = [i, end + 1];
      i = end;
    } else if (byte === COLON) {
      if (depth === 1) keyPending = lastTopString !== undefined;
    } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      if (depth === 1 && byte === OPEN_BRACKET && keyPending && lastTopString && !layout) {
        if (body.subarray(lastTopString[0], lastTopString[1]).equals(wanted)) {
          layout = { arrayStart: i, arrayEnd: -1, bounds: [] };
          inItems = true;
          expectItem = true;
        }
      } else if (inItems && depth === 2) {
        if (byte !== OPEN_BRACE || !expectItem) return undefined;
        itemStart = i;
        expectItem = false;
      }
      depth += 1;
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
      depth -= 1;
      if (depth < 0) return undefined;
      if (inItems && depth === 2 && itemStart >= 0) {
        layout!.bounds.push(itemStart, i + 1);
        itemStart = -1;
      } else if (inItems && depth === 1) {
        if (byte !== CLOSE_BRACKET || (expectItem && layout!.bounds.length > 0)) return undefined;
        layout!.arrayEnd = i + 1;
        inItems = false;
      }
      if (depth === 1) keyPending = false;
    } else if (byte === COMMA) {
      if (inItems && depth === 2) {
        if (expectItem) return undefined;
        expectItem = true;
      }
      if (depth === 1) keyPending = false;
    } else if (inItems && depth === 2 && byte !== 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x09) {
      return undefined;
    }
  }
  return layout && layout.arrayEnd > 0 && depth === 0 ? layout : undefined;
}
