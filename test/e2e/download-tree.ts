import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expectedMedia, type Sandbox } from '../../sandbox';

export interface ManifestLine {
  event: string;
  sid: string;
  accountSid: string;
  format: 'wav' | 'mp3';
  path: string;
  bytes: number;
  sha256: string;
  [field: string]: unknown;
}

/** Every file under `folder`, relative, with forward slashes. */
export function filesUnder(folder: string, prefix = ''): string[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(folder, entry.name), `${prefix}${entry.name}/`) : [`${prefix}${entry.name}`],
  );
}

/** Every folder under `folder` (itself included). */
export function foldersUnder(folder: string): string[] {
  return [
    folder,
    ...readdirSync(folder, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .flatMap((entry) => foldersUnder(join(folder, entry.name))),
  ];
}

export function sha256Of(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** The manifest's whole lines that parse (a run killed mid-append may leave a torn last line). */
export function manifestLines(root: string): ManifestLine[] {
  const path = join(root, 'manifest.jsonl');
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as ManifestLine];
      } catch {
        return [];
      }
    });
}

/** The sandbox's bytes for a recording, as a client should receive them. */
export function expectedSha256(sandbox: Sandbox, sid: string, format: 'wav' | 'mp3'): string {
  return expectedMedia(sandbox.store.getRecording(sid)!, format).sha256;
}

/**
 * Checks every file in the tree: the manifest aside, each is a complete copy (0600) of the
 * recording and format its name says, so no partial file stands under a final name and no
 * temporary file is left. Returns the sids found and what is wrong.
 */
export function checkTree(sandbox: Sandbox, root: string): { sids: string[]; problems: string[] } {
  const sids: string[] = [];
  const problems: string[] = [];
  for (const file of filesUnder(root)) {
    if (file === 'manifest.jsonl') continue;
    const [, sid, format] = /(RE[0-9a-f]{32})\.(wav|mp3)$/.exec(file) ?? [];
    if (!sid || (format !== 'wav' && format !== 'mp3')) {
      problems.push(`unexpected file ${file}`);
      continue;
    }
    if (sha256Of(join(root, file)) !== expectedSha256(sandbox, sid, format))
      problems.push(`${file} differs from the media`);
    if ((statSync(join(root, file)).mode & 0o777) !== 0o600) problems.push(`${file} is not 0600`);
    sids.push(sid);
  }
  return { sids, problems };
}
