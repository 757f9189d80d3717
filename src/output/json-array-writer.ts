/**
 * Writes a JSON array one batch of items at a time, byte for byte as
 * `JSON.stringify(items, null, 2)` would, without holding every item.
 */
export class JsonArrayWriter {
  private count = 0;

  constructor(private readonly write: (text: string) => void) {}

  add(items: readonly unknown[]): void {
    if (items.length === 0) return;
    // One write a batch: a write per item costs more than the text itself.
    const parts = items.map((item, index) => {
      const separator = this.count + index === 0 ? '[\n' : ',\n';
      return `${separator}  ${JSON.stringify(item, null, 2).replace(/\n/g, '\n  ')}`;
    });
    this.count += items.length;
    this.write(parts.join(''));
  }

  end(): void {
    this.write(this.count === 0 ? '[]\n' : '\n]\n');
  }
}
