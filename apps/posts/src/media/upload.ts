import { Readable, Transform } from 'node:stream'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'

import {
  type FieldError,
  MalformedRequestError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '@chatty/domain'
import busboy from 'busboy'

export interface UploadLimits {
  /** The largest file kept; a bigger one is read to its end and refused (413). */
  maxFileBytes: number
  /**
   * The most of a request body read at all: past this the rest is not read (413, and the
   * connection closes). nginx refuses such a body before it gets here.
   */
  maxRequestBytes: number
  maxDescriptionLength: number
}

export interface Upload {
  file: Buffer
  description: string | null
}

/** A multipart body that ended or broke before it was whole, or that could not be parsed. */
class BrokenBodyError extends Error {}
class RequestTooLargeError extends Error {}

/**
 * Reads a `multipart/form-data` body as it streams in: the part `file` (kept in memory, at most
 * `maxFileBytes`) and the field `description`. Other parts are refused. Nothing beyond the limit
 * is ever held: the rest of a too-big file is read and dropped, so the connection stays usable.
 */
export async function readUpload(
  body: ReadableStream<Uint8Array> | null,
  contentType: string | undefined,
  limits: UploadLimits,
): Promise<Upload> {
  if (!contentType || !/^multipart\/form-data\s*;/i.test(contentType) || !body) {
    throw new UnsupportedMediaTypeError('The request body must be multipart/form-data.')
  }
  let parser: busboy.Busboy
  try {
    parser = busboy({
      headers: { 'content-type': contentType },
      limits: {
        files: 1,
        fields: 1,
        fileSize: limits.maxFileBytes,
        // UTF-8 takes at most 4 bytes a character; the length itself is checked below.
        fieldSize: limits.maxDescriptionLength * 4 + 1,
      },
    })
  } catch {
    throw new MalformedRequestError('The multipart body has no boundary.')
  }
  let received = 0
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      received += chunk.length
      if (received > limits.maxRequestBytes) done(new RequestTooLargeError())
      else done(null, chunk)
    },
  })
  const chunks: Buffer[] = []
  let fileSeen = false
  let fileTooLarge = false
  let description: string | null = null
  const errors: FieldError[] = []

  const parsed = new Promise<void>((resolve, reject) => {
    parser.on('file', (name, stream) => {
      if (name !== 'file' || fileSeen) {
        errors.push({ path: name, message: 'Only one part named "file" is accepted.' })
        stream.resume()
        return
      }
      fileSeen = true
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('limit', () => {
        fileTooLarge = true
        chunks.length = 0
      })
    })
    parser.on('field', (name, value, info) => {
      if (name !== 'description') {
        errors.push({ path: name, message: 'Unknown field.' })
      } else if (info.valueTruncated || [...value].length > limits.maxDescriptionLength) {
        errors.push({
          path: 'description',
          message: `Must be at most ${limits.maxDescriptionLength} characters.`,
        })
      } else {
        description = value.trim() || null
      }
    })
    parser.on('filesLimit', () => errors.push({ path: 'file', message: 'Only one file.' }))
    parser.on('fieldsLimit', () => errors.push({ path: '(body)', message: 'Only one field.' }))
    parser.on('close', resolve)
    parser.on('error', (error: Error) => reject(new BrokenBodyError(error.message)))
    counter.on('error', reject)
  })
  const source = Readable.fromWeb(body as WebReadableStream<Uint8Array>)
  source.on('error', () => parser.destroy(new BrokenBodyError('the body broke off')))
  source.pipe(counter).pipe(parser)
  try {
    await parsed
  } catch (error) {
    source.destroy()
    if (error instanceof RequestTooLargeError) {
      throw new PayloadTooLargeError(
        `The request body is larger than ${limits.maxRequestBytes} bytes.`,
        // The rest is not read, so the connection cannot carry another request.
        { Connection: 'close' },
      )
    }
    throw new MalformedRequestError('The multipart body is malformed or incomplete.')
  }
  if (fileTooLarge) {
    throw new PayloadTooLargeError(`A file may be at most ${limits.maxFileBytes} bytes.`)
  }
  if (!fileSeen) errors.push({ path: 'file', message: 'A file is required.' })
  if (errors.length > 0) throw new ValidationError(errors)
  return { file: Buffer.concat(chunks), description }
}
