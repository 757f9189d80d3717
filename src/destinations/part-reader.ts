/**
 * The bytes of `source` in parts of exactly `partBytes` (the last one shorter, none empty),
 * read only as fast as they are taken: between two parts nothing more is pulled from the
 * source, so a slow consumer holds back a stream at its own pace and memory holds one part
 * being filled.
 */
export async function* readParts(
  source: AsyncIterable<Buffer | Uint8Array | string>,
  partBytes: number,
): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const chunk of source) {
    let rest = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    while (pendingBytes + rest.length >= partBytes) {
      const take = partBytes - pendingBytes;
      pending.push(rest.subarray(0, take));
      // A copy, so that a part never pins the (possibly larger) chunks it was cut from.
      yield Buffer.concat(pending, partBytes);
      rest = rest.subarray(take);
      pending = [];
      pendingBytes = 0;
    }
    if (rest.length > 0) {
      pending.push(rest);
      pendingBytes += rest.length;
    }
  }
  if (pendingBytes > 0) yield Buffer.concat(pending, pendingBytes);
}
