/** The picture formats an upload may be, as recognised from its first bytes. */
export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'gif'

const ascii = (bytes: Uint8Array, start: number, text: string) =>
  text.split('').every((char, index) => bytes[start + index] === char.charCodeAt(0))

/**
 * The format of an image from its magic number, whatever its name or declared type says; null
 * for anything else (a PDF, an HTML page, an empty file).
 */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | null {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    return 'jpeg'
  }
  if (bytes.length >= 8 && bytes[0] === 0x89 && ascii(bytes, 1, 'PNG\r\n\x1a\n')) return 'png'
  if (bytes.length >= 12 && ascii(bytes, 0, 'RIFF') && ascii(bytes, 8, 'WEBP')) return 'webp'
  if (bytes.length >= 6 && (ascii(bytes, 0, 'GIF87a') || ascii(bytes, 0, 'GIF89a'))) return 'gif'
  return null
}
