/**
 * A path made safe for one line of output: control characters (a newline in a file name
 * someone else chose) are shown escaped, as JSON would, instead of breaking the line.
 */
export function printablePath(path: string): string {
  // eslint-disable-next-line no-control-regex
  return path.replace(/[\u0000-\u001f\u007f]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
