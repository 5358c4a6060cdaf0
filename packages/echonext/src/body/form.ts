/**
 * Form bodies: `application/x-www-form-urlencoded` and `multipart/form-data`,
 * read into a {@link Form} of text fields and uploaded files, under limits on
 * how many of each there may be and how large each may get.
 *
 * @module
 */

import { PayloadTooLarge, UnsupportedMediaType } from '../http-error.js';
import { UsageError, UsageErrorCode } from '../usage-error.js';
import type { MediaType } from './content-type.js';
import { MultiDict } from './multidict.js';
import { parseMultipart } from './multipart.js';
import { decodeText } from './text.js';
import { UploadedFile } from './uploaded-file.js';
import { parseUrlEncoded } from './urlencoded.js';

/** A form value: text for a field, an {@link UploadedFile} for a file. */
export type FormValue = string | UploadedFile;

/**
 * A parsed form: every field and file by name, repeats kept, in the order
 * sent. `get` and `getAll` return both kinds; `field` and `file` pick one.
 */
export class Form extends MultiDict<FormValue> {
  /** The first text value of `name`, or `undefined`. */
  field(name: string): string | undefined {
    for (const value of this.getAll(name)) if (typeof value === 'string') return value;
    return undefined;
  }

  /** The first file sent as `name`, or `undefined`. */
  file(name: string): UploadedFile | undefined {
    for (const value of this.getAll(name)) if (value instanceof UploadedFile) return value;
    return undefined;
  }

  /** Every uploaded file, in order. */
  files(): UploadedFile[] {
    const files: UploadedFile[] = [];
    for (const [, value] of this) if (value instanceof UploadedFile) files.push(value);
    return files;
  }
}

/** Limits of a form read. Going over any of them is answered with 413. */
export interface FormOptions {
  /** The most text fields. Defaults to 1000. */
  readonly maxFields?: number;
  /** The most bytes in one text field value. Defaults to 1 MiB. */
  readonly maxFieldSize?: number;
  /** The most files. Defaults to 10. */
  readonly maxFiles?: number;
  /** The most bytes in one file. Defaults to no limit beyond the body limit. */
  readonly maxFileSize?: number;
}

/** Form limits with every default applied. */
export type FormLimits = Required<FormOptions>;

/** The defaults of {@link FormOptions}. */
export const DEFAULT_FORM_LIMITS: FormLimits = Object.freeze({
  maxFields: 1000,
  maxFieldSize: 1024 * 1024,
  maxFiles: 10,
  maxFileSize: Number.POSITIVE_INFINITY,
});

function resolveLimits(options: FormOptions): FormLimits {
  const limits = { ...DEFAULT_FORM_LIMITS };
  for (const key of Object.keys(limits) as (keyof FormLimits)[]) {
    const value = options[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
      throw new UsageError(
        UsageErrorCode.INVALID_ARGUMENT,
        `form option ${key} must be a non-negative number, received ${String(value)}`,
      );
    }
    limits[key] = value;
  }
  return limits;
}

const encoder = new TextEncoder();

function utf8Length(text: string): number {
  return encoder.encode(text).byteLength;
}

function parseUrlEncodedForm(bytes: Uint8Array, mediaType: MediaType, limits: FormLimits): Form {
  const pairs = parseUrlEncoded(decodeText(bytes, mediaType));
  if (pairs.length > limits.maxFields) {
    throw new PayloadTooLarge(`the form has more than ${limits.maxFields} fields`, {
      limit: limits.maxFields,
    });
  }
  for (const [name, value] of pairs) {
    // A UTF-8 character is at most three bytes per UTF-16 unit: measure only when it could matter.
    if (value.length * 3 > limits.maxFieldSize && utf8Length(value) > limits.maxFieldSize) {
      throw new PayloadTooLarge(
        `form field ${JSON.stringify(name)} is larger than ${limits.maxFieldSize} bytes`,
        { limit: limits.maxFieldSize },
      );
    }
  }
  return new Form(pairs);
}

/**
 * Parses a form body of either kind.
 *
 * @param bytes - the whole body.
 * @param contentType - the raw `content-type` value (multipart needs its boundary).
 * @param mediaType - the same, parsed.
 * @param options - the limits.
 * @throws {@link UnsupportedMediaType} for a body that is not a form.
 * @throws {@link PayloadTooLarge} when a limit is passed.
 * @throws `BadRequest` for a malformed multipart body.
 */
export async function parseForm(
  bytes: Uint8Array,
  contentType: string | undefined,
  mediaType: MediaType | null,
  options: FormOptions = {},
): Promise<Form> {
  const limits = resolveLimits(options);
  if (mediaType?.type === 'application/x-www-form-urlencoded') {
    return parseUrlEncodedForm(bytes, mediaType, limits);
  }
  if (mediaType?.type === 'multipart/form-data' && contentType !== undefined) {
    return new Form(await parseMultipart(bytes, contentType, limits));
  }
  throw new UnsupportedMediaType(
    `expected a form body (application/x-www-form-urlencoded or multipart/form-data), received ${
      mediaType === null ? 'no content-type' : mediaType.type
    }`,
  );
}
