/**
 * Characters a reader cannot see as themselves, which output must never hold raw:
 * - controls (Cc): C0 (line breaks, ESC, BEL…), DEL and C1 (a lone U+009B is a CSI to some terminals);
 * - format characters (Cf): the bidirectional marks, embeddings, overrides (U+202A–U+202E) and
 *   isolates (U+2066–U+2069) that reorder what follows them, zero-width space and joiners, word
 *   joiner, soft hyphen, the byte-order mark, tags;
 * - the Unicode line and paragraph separators (Zl, Zp);
 * - private-use characters and lone surrogates (Co, Cs), which each font shows its own way or not at all;
 * - whatever else Unicode lets a renderer ignore (variation selectors, Hangul fillers…).
 * With these, two different texts read alike, or a line moves the cursor, clears the screen,
 * sets the window title or reads backwards.
 */
const UNSEEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cs}\p{Default_Ignorable_Code_Point}]/u;
const UNSEEN_ALL = new RegExp(UNSEEN.source, 'gu');

/** What JSON.stringify leaves raw of the above: it escapes C0 and lone surrogates itself, and its indentation is made of C0. */
const RAW_IN_JSON = new RegExp(`(?![\\u0000-\\u001f])${UNSEEN.source}`, 'gu');

const NAMED_ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * `text` safe to show on one line: every character UNSEEN names is shown as an escape (`\n`, `\r`,
 * `\t`, `\x1b`, `\x9b`, `\u202e`, `\u{e0041}`), so text from outside (file names, callback fields,
 * API strings, answers of other servers, input quoted in an error) can neither move the cursor,
 * nor clear the screen, nor set the window title, nor reorder the line, nor start a line that
 * looks like ours, and a reader can tell from the escape which character was there. The one
 * escaper for everything shown.
 */
export function printable(text: string): string {
  return text.replace(UNSEEN_ALL, escaped);
}

/** `text` made printable and cut to at most `max` characters of the original, with … when cut. */
export function printableClip(text: string, max: number): string {
  return text.length > max ? `${printable(text.slice(0, max))}…` : printable(text);
}

/**
 * `value` as JSON with the characters JSON.stringify leaves raw (DEL, C1, the separators, bidi
 * and other format characters) escaped as `\uXXXX` too: the same data to a JSON parser, harmless on a terminal.
 */
export function printableJson(value: unknown, space?: number): string {
  // JSON has no \u{…}: a character beyond U+FFFF is written as its two UTF-16 halves.
  return JSON.stringify(value, null, space).replace(RAW_IN_JSON, (char) =>
    Array.from({ length: char.length }, (_, index) => unicodeEscape(char.charCodeAt(index))).join(''),
  );
}

/**
 * A record with its text made printable, for columns and TSV: strings at any depth (arrays and plain
 * objects included); numbers, dates and the like are kept as they are.
 */
export function printableRecord<T>(value: T): T {
  if (typeof value === 'string') return printable(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => printableRecord(item)) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) copy[printable(key)] = printableRecord(item);
    return copy as T;
  }
  return value;
}

/**
 * The first character of `text` that a reader cannot see as itself, escaped as `printable` shows
 * it (`\u200b`), or undefined when every character shows: names a person must be able to read and
 * tell apart (rule names, hold reasons) are refused with it.
 */
export function invisibleCharacter(text: string): string | undefined {
  const found = UNSEEN.exec(text);
  return found ? escaped(found[0]) : undefined;
}

function escaped(char: string): string {
  const named = NAMED_ESCAPES[char];
  if (named !== undefined) return named;
  const code = char.codePointAt(0)!;
  if (code <= 0xff) return `\\x${code.toString(16).padStart(2, '0')}`;
  return code <= 0xffff ? unicodeEscape(code) : `\\u{${code.toString(16)}}`;
}

function unicodeEscape(code: number): string {
  return `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * What a name looks like to a reader, for telling whether two look alike: compatibility
 * forms folded (NFKC: full-width letters, ligatures, non-breaking spaces), invisible characters
 * left out, runs of white space as one space, no letter case.
 */
export function lookAlikeKey(text: string): string {
  return text.normalize('NFKC').replace(UNSEEN_ALL, '').replace(/\s+/gu, ' ').trim().toLowerCase();
}
