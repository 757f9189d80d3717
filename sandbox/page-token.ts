import type { ListPosition } from './recording-store';

/**
 * Key-based page tokens: they name the recording a page starts after (`PA...`) or ends before (`PB...`),
 * so deleting recordings between page fetches never shifts later pages.
 */
export interface PageCursor {
  direction: 'after' | 'before';
  position: ListPosition;
}

export function encodePageToken(cursor: PageCursor): string {
  const prefix = cursor.direction === 'after' ? 'PA' : 'PB';
  return prefix + Buffer.from(`${cursor.position.dateCreatedMs}:${cursor.position.sid}`).toString('base64url');
}

export function decodePageToken(token: string): PageCursor | undefined {
  const direction = token.startsWith('PA') ? 'after' : token.startsWith('PB') ? 'before' : undefined;
  if (!direction) return undefined;
  const match = /^(\d+):(RE[0-9a-fA-F]{32})$/.exec(Buffer.from(token.slice(2), 'base64url').toString('utf8'));
  if (!match) return undefined;
  return { direction, position: { dateCreatedMs: Number(match[1]), sid: match[2] as string } };
}
