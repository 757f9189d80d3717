import { MANIFEST_FOLDER } from '../destinations/s3-url';
import { TEMP_FOLDER } from '../destinations/media-folder';
import { BadInputError } from '../errors';
import type { Recording } from '../recordings/recording';
import type { MediaFormat } from '../twilio/media-format';

export const DEFAULT_LAYOUT = '{date}/{sid}.{ext}';

/** What a layout field renders to for one recording. */
const FIELD_VALUES = {
  sid: (recording: Recording) => recording.sid,
  callSid: (recording: Recording) => recording.callSid,
  conferenceSid: (recording: Recording) => recording.conferenceSid,
  accountSid: (recording: Recording) => recording.accountSid,
  date: (recording: Recording) => recording.dateCreated.toISOString().slice(0, 10),
  year: (recording: Recording) => recording.dateCreated.toISOString().slice(0, 4),
  month: (recording: Recording) => recording.dateCreated.toISOString().slice(5, 7),
  day: (recording: Recording) => recording.dateCreated.toISOString().slice(8, 10),
  ext: (_recording: Recording, format: MediaFormat) => format,
} satisfies Record<string, (recording: Recording, format: MediaFormat) => string | null>;

export type LayoutField = keyof typeof FIELD_VALUES;

export const LAYOUT_FIELDS = Object.keys(FIELD_VALUES) as LayoutField[];

/** The folder inside the output folder of the manifest's listings by day (see ManifestCatalog). */
export const CATALOG_FOLDER = '.manifest-index';

/**
 * First folders no layout may claim, in a folder or a bucket alike, so that a layout is refused
 * before anything is fetched wherever it is used.
 */
const RESERVED_FIRST_FOLDERS: ReadonlyArray<[string, string]> = [
  [TEMP_FOLDER, 'files while they download'],
  [CATALOG_FOLDER, "the manifest's index"],
  [MANIFEST_FOLDER, "a bucket's manifests"],
];

/** A field with no value (a recording outside any conference) renders as this. */
const MISSING_FIELD_VALUE = 'none';

/** Every field value is made of these characters, and never empty (see `fieldValue`). */
const SAFE_VALUE = '[A-Za-z0-9_-]+';

type LayoutPart = { literal: string } | { field: LayoutField };

/**
 * Where a recording's file goes inside the output folder, from a template such as
 * `{date}/{sid}.{ext}`. Rendered paths are relative, use forward slashes, and can never
 * leave the folder: the template's literal parts are checked once, and every field value
 * is reduced to letters, digits, `-` and `_`.
 */
export class Layout {
  private constructor(
    readonly template: string,
    private readonly segments: LayoutPart[][],
  ) {}

  static parse(template: string): Layout {
    const problem = (what: string) =>
      new BadInputError(`Invalid --layout "${template}": ${what}. Example: --layout "${DEFAULT_LAYOUT}".`);
    if (template.trim() === '') throw problem('it is empty');
    if ([...template].some((char) => char < ' ' || char === '\u007f')) throw problem('it contains control characters');
    if (template.includes('\\')) throw problem('use / to separate folders, not \\');
    if (template.startsWith('/') || /^[A-Za-z]:/.test(template)) throw problem('it must be a relative path');
    const segments = template.split('/').map((segment) => {
      if (segment === '') throw problem('it has an empty folder name (a leading, trailing or doubled /)');
      if (segment === '.' || segment === '..') throw problem(`"${segment}" would leave the folder`);
      return parseSegment(segment, problem);
    });
    for (const [reserved, holds] of RESERVED_FIRST_FOLDERS) {
      if (canRender(segments[0]!, reserved)) {
        throw problem(`its first folder could be "${reserved}", which holds ${holds}; name it otherwise`);
      }
    }
    const layout = new Layout(template, segments);
    if (!layout.hasField('sid')) throw problem('it must contain {sid}, so that each recording has its own file');
    return layout;
  }

  /** The same layout inside one folder per account, unless it already names the account. */
  perAccount(): Layout {
    return this.hasField('accountSid') ? this : Layout.parse(`{accountSid}/${this.template}`);
  }

  /** The recording's path relative to the output folder, with forward slashes. */
  render(recording: Recording, format: MediaFormat): string {
    return this.segments
      .map((parts) =>
        parts.map((part) => ('literal' in part ? part.literal : fieldValue(part.field, recording, format))).join(''),
      )
      .join('/');
  }

  private hasField(field: LayoutField): boolean {
    return this.segments.some((parts) => parts.some((part) => 'field' in part && part.field === field));
  }
}

function parseSegment(segment: string, problem: (what: string) => Error): LayoutPart[] {
  const parts: LayoutPart[] = [];
  const pattern = /\{([^{}]*)\}|([^{}]+)|([{}])/g;
  for (let match = pattern.exec(segment); match; match = pattern.exec(segment)) {
    const [, field, literal, stray] = match;
    if (stray !== undefined) throw problem(`it has an unmatched "${stray}"`);
    if (literal !== undefined) {
      parts.push({ literal });
    } else if ((LAYOUT_FIELDS as string[]).includes(field as string)) {
      parts.push({ field: field as LayoutField });
    } else {
      throw problem(`unknown field {${field}}; known fields: ${LAYOUT_FIELDS.map((name) => `{${name}}`).join(', ')}`);
    }
  }
  return parts;
}

/** Whether some recording could render `parts` as `name` (compared as a case-insensitive file system would). */
function canRender(parts: LayoutPart[], name: string): boolean {
  const pattern = parts
    .map((part) => ('literal' in part ? part.literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : SAFE_VALUE))
    .join('');
  return new RegExp(`^${pattern}$`, 'i').test(name);
}

/** A field's value made safe as part of a file name: no separators, no dots, never empty. */
function fieldValue(field: LayoutField, recording: Recording, format: MediaFormat): string {
  const value = FIELD_VALUES[field](recording, format);
  const safe = (value ?? '').replace(/[^A-Za-z0-9_-]/g, '_');
  return safe === '' ? MISSING_FIELD_VALUE : safe;
}
