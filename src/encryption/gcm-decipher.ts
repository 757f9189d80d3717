import { createDecipheriv, type DecipherGCM } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/** Voice Recording Encryption's cipher: AES-256-GCM, with the 16-byte tag as the last bytes of the file. */
export const MEDIA_CIPHER = 'aes-256-gcm';
export const GCM_TAG_BYTES = 16;
export const CONTENT_KEY_BYTES = 32;

/** Encrypted media that does not decrypt to what was encrypted: its tag does not match, or it is too short. */
export class TagMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * Decrypts AES-256-GCM media as it streams, in constant memory: the last 16 bytes seen are held
 * back, since the tag ends the file, and checked when the stream ends. Plaintext passes on before
 * the tag is checked, so whoever receives it must keep it unnamed until this stream has finished
 * without error.
 */
export class GcmDecipherStream extends Transform {
  /** Ciphertext bytes seen, tag included. */
  bytes = 0;
  private readonly decipher: DecipherGCM;
  private tail: Buffer = Buffer.alloc(0);

  constructor(contentKey: Buffer, iv: Buffer) {
    super();
    if (contentKey.length !== CONTENT_KEY_BYTES) {
      throw new TagMismatchError(`the content key is ${contentKey.length} bytes, not ${CONTENT_KEY_BYTES}`);
    }
    this.decipher = createDecipheriv(MEDIA_CIPHER, contentKey, iv, { authTagLength: GCM_TAG_BYTES });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (chunk.length >= GCM_TAG_BYTES) {
      const out = this.tail.length > 0 ? [this.decipher.update(this.tail)] : [];
      out.push(this.decipher.update(chunk.subarray(0, chunk.length - GCM_TAG_BYTES)));
      // A copy: the chunk's memory belongs to whoever sent it.
      this.tail = Buffer.from(chunk.subarray(chunk.length - GCM_TAG_BYTES));
      for (const piece of out) if (piece.length > 0) this.push(piece);
      return callback();
    }
    const held = Buffer.concat([this.tail, chunk]);
    const release = held.length - GCM_TAG_BYTES;
    if (release > 0) {
      const piece = this.decipher.update(held.subarray(0, release));
      if (piece.length > 0) this.push(piece);
    }
    this.tail = release > 0 ? held.subarray(release) : held;
    callback();
  }

  override _flush(callback: TransformCallback): void {
    if (this.tail.length < GCM_TAG_BYTES) {
      return callback(new TagMismatchError(`it is ${this.bytes} bytes, too short to end with a GCM tag`));
    }
    try {
      this.decipher.setAuthTag(this.tail);
      const last = this.decipher.final();
      if (last.length > 0) this.push(last);
    } catch {
      return callback(
        new TagMismatchError('its GCM tag does not match: the file is corrupt, cut short or was tampered with'),
      );
    }
    callback();
  }
}
