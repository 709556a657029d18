import sharp, { type Sharp } from 'sharp'

import type { ImageFormat } from './sniff.js'

/** The widest a preview gets; narrower pictures keep their size. */
export const PREVIEW_MAX_WIDTH = 640

export interface ProcessedImage {
  format: ImageFormat
  /** After EXIF orientation is applied. */
  width: number
  height: number
  file: Buffer
  preview: Buffer
}

/** The bytes are not a picture sharp can decode: truncated, corrupt or too many pixels. */
export class UndecodableImageError extends Error {}

export interface ImageProcessor {
  /** Re-encodes `bytes` (already sniffed as `format`) without metadata, with a preview. */
  process(bytes: Buffer, format: ImageFormat): Promise<ProcessedImage>
}

/** Waits for one of `limit` slots; the returned function gives it back. */
function createSlots(limit: number): () => Promise<() => void> {
  let free = limit
  const waiting: (() => void)[] = []
  const release = () => {
    const next = waiting.shift()
    if (next) next()
    else free++
  }
  return async () => {
    if (free > 0) free--
    else await new Promise<void>((resolve) => waiting.push(resolve))
    return release
  }
}

function encode(image: Sharp, format: ImageFormat): Sharp {
  switch (format) {
    case 'jpeg':
      return image.jpeg({ quality: 85, mozjpeg: true })
    case 'png':
      return image.png()
    case 'webp':
      return image.webp({ quality: 85 })
    case 'gif':
      return image.gif()
  }
}

/**
 * Decodes and re-encodes with sharp, whose work runs on libuv's threads, not the event loop; at
 * most `concurrency` images at once, the rest wait their turn. The output carries no metadata
 * (EXIF, GPS, XMP, IPTC; colours are converted to sRGB and the ICC profile dropped): sharp keeps
 * none unless asked. `maxPixels` refuses decompression bombs before they are decoded.
 */
export function createImageProcessor(options: {
  maxPixels: number
  concurrency: number
}): ImageProcessor {
  const acquire = createSlots(options.concurrency)
  return {
    process: async (bytes, format) => {
      const release = await acquire()
      try {
        const input = sharp(bytes, {
          limitInputPixels: options.maxPixels,
          failOn: 'error',
          // Every frame of an animated GIF or WebP.
          animated: format === 'gif' || format === 'webp',
        }).autoOrient()
        const [file, preview] = await Promise.all([
          encode(input.clone(), format).toBuffer({ resolveWithObject: true }),
          encode(
            input.clone().resize({ width: PREVIEW_MAX_WIDTH, withoutEnlargement: true }),
            format,
          ).toBuffer(),
        ])
        const height = file.info.pageHeight ?? file.info.height
        return { format, width: file.info.width, height, file: file.data, preview }
      } catch (error) {
        throw new UndecodableImageError(error instanceof Error ? error.message : String(error))
      } finally {
        release()
      }
    },
  }
}
