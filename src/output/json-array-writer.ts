/**
 * Writes a JSON array one batch of items at a time, byte for byte as
 * `JSON.stringify(items, null, 2)` would, without holding every item.
 */
export class JsonArrayWriter {
  private count = 0;

  constructor(private readonly write: (text: string) => void) {}

  add(items: readonly unknown[]): void {
    for (const item of items) {
      const text = JSON.stringify(item, null, 2).replace(/\n/g, '\n  ');
      this.write(`${this.count === 0 ? '[\n' : ',\n'}  ${text}`);
      this.count += 1;
    }
  }

  end(): void {
    this.write(this.count === 0 ? '[]\n' : '\n]\n');
  }
}
