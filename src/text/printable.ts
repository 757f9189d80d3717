/**
 * Characters a terminal acts on instead of showing: C0 controls (line breaks, ESC, BEL…), DEL, C1
 * controls (a lone U+009B is a CSI to some terminals), the Unicode line and paragraph separators,
 * the bidirectional marks, embeddings, overrides and isolates that reorder what follows them, and
 * the characters that take no room (soft hyphen, zero-width space and joiners, word joiner, BOM),
 * with which two different texts read alike.
 */
const UNPRINTABLE =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;

/** What JSON.stringify leaves raw of the above: it escapes C0 itself, and its indentation is made of them. */
const RAW_IN_JSON =
  /[\u007f-\u009f\u00ad\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;

const NAMED_ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * `text` safe to print on one line: every character a terminal would act on is shown as an escape
 * (`\n`, `\r`, `\t`, `\x1b`, `\u202e`), so text from outside (callback fields, API strings, file
 * names, answers of other servers) can neither move the cursor, nor clear the screen, nor set the
 * window title, nor start a line that looks like ours.
 */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (char) => NAMED_ESCAPES[char] ?? escapeCode(char.charCodeAt(0)));
}

/** `text` made printable and cut to at most `max` characters of the original, with … when cut. */
export function printableClip(text: string, max: number): string {
  return text.length > max ? `${printable(text.slice(0, max))}…` : printable(text);
}

/**
 * `value` as JSON with the characters JSON.stringify leaves raw (DEL, C1, the separators and bidi
 * controls) escaped as `\uXXXX` too: the same data to a JSON parser, harmless on a terminal.
 */
export function printableJson(value: unknown, space?: number): string {
  return JSON.stringify(value, null, space).replace(RAW_IN_JSON, (char) => unicodeEscape(char.charCodeAt(0)));
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

function escapeCode(code: number): string {
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : unicodeEscape(code);
}

function unicodeEscape(code: number): string {
  return `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * Characters that show as nothing, or move or hide what is around them: controls, format
 * characters (zero-width space and joiners, bidi marks and overrides, the byte-order mark, soft
 * hyphen), line and paragraph separators, private-use and lone surrogates, and whatever else
 * Unicode says a renderer may ignore (variation selectors, Hangul fillers…).
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cs}\p{Default_Ignorable_Code_Point}]/u;
const INVISIBLE_ALL = new RegExp(INVISIBLE.source, 'gu');

/**
 * The first character of `text` that a reader cannot see as itself, escaped (`\u200b`), or
 * undefined when every character shows: names a person must be able to read and tell apart
 * (rule names, hold reasons) are refused with it.
 */
export function invisibleCharacter(text: string): string | undefined {
  const found = INVISIBLE.exec(text);
  return found ? escapeInvisible(found[0]) : undefined;
}

/** `text` with every character invisibleCharacter finds escaped: for showing a name that is refused. */
export function withInvisibleEscaped(text: string): string {
  return text.replace(INVISIBLE_ALL, escapeInvisible);
}

function escapeInvisible(char: string): string {
  const code = char.codePointAt(0)!;
  if (NAMED_ESCAPES[char] !== undefined) return NAMED_ESCAPES[char];
  if (code <= 0xff) return escapeCode(code);
  return code <= 0xffff ? unicodeEscape(code) : `\\u{${code.toString(16)}}`;
}

/**
 * What a name looks like to a reader, for telling whether two look alike: compatibility
 * forms folded (NFKC: full-width letters, ligatures, non-breaking spaces), invisible characters
 * left out, runs of white space as one space, no letter case.
 */
export function lookAlikeKey(text: string): string {
  return text.normalize('NFKC').replace(INVISIBLE_ALL, '').replace(/\s+/gu, ' ').trim().toLowerCase();
}
