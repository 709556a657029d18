const MEDIA_PATH = /^\/media\/[A-Za-z0-9_-]+\.(?:png|jpg|webp|gif)$/

/**
 * Where the browser may load a picture from under the page's `img-src 'self'` policy: a Chatty
 * media URL becomes its path on this origin (the API writes them with PUBLIC_URL, which need not be
 * the address this page was opened at); another same-origin URL stays; anything else is null, and
 * the client shows no picture rather than a request the policy would block.
 */
export function pictureSource(url: string | null, origin: string): string | null {
  if (!url) return null
  let parsed: URL
  try {
    parsed = new URL(url, origin)
  } catch {
    return null
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return null
  if (MEDIA_PATH.test(parsed.pathname)) return parsed.pathname
  return parsed.origin === origin ? parsed.href : null
}
