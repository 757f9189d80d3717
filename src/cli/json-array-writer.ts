import { printableJson } from '../text/printable';

/**
 * Writes a JSON array one batch of items at a time, as `JSON.stringify(items, null, 2)` would (with
 * the characters it leaves raw that a terminal acts on escaped too), without holding every item.
 */
export class JsonArrayWriter {
  private count = 0;
  private ended = false;

  constructor(private readonly write: (text: string) => void) {}

  add(items: readonly unknown[]): void {
    if (items.length === 0 || this.ended) return;
    // The batch's own array, less its brackets, is its items already indented as the whole array's would be.
    const inner = printableJson(items, 2).slice(2, -2);
    this.write(`${this.count === 0 ? '[\n' : ',\n'}${inner}`);
    this.count += items.length;
  }

  /**
   * Closes the array, so that stdout holds exactly one JSON document. A command that failed
   * before any item (`complete` false) writes nothing: scripts then see an empty stdout, not `[]`.
   * Only the first call writes.
   */
  end(complete = true): void {
    if (this.ended) return;
    this.ended = true;
    if (this.count > 0) this.write('\n]\n');
    else if (complete) this.write('[]\n');
  }
}
