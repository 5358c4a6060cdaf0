/**
 * A file received in a multipart form.
 *
 * @module
 */

const utf8 = new TextDecoder('utf-8');

/** A file sent in a multipart form, held in memory. */
export class UploadedFile {
  /** The form field it was sent under. */
  readonly fieldName: string;
  /** The file name the client gave, without any directory part; may be empty. */
  readonly filename: string;
  /** The media type the client gave, lowercase; `application/octet-stream` when none. */
  readonly type: string;
  /** The content. */
  readonly bytes: Uint8Array;

  /**
   * @param fieldName - the form field.
   * @param filename - the client's file name.
   * @param type - the client's media type.
   * @param bytes - the content.
   */
  constructor(fieldName: string, filename: string, type: string, bytes: Uint8Array) {
    this.fieldName = fieldName;
    this.filename = filename;
    this.type = type;
    this.bytes = bytes;
  }

  /** The size in bytes. */
  get size(): number {
    return this.bytes.byteLength;
  }

  /** The content decoded as UTF-8. */
  text(): string {
    return utf8.decode(this.bytes);
  }
}
