import { pictureSource } from '../media-url.js'

/** A profile picture, when the page's policy lets the browser load it (see pictureSource). */
export function Avatar({ url, alt }: { url: string | null; alt: string }) {
  const source = pictureSource(url, location.origin)
  return source ? <img class="avatar" src={source} alt={alt} /> : null
}
