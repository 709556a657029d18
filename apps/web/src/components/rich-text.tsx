import { Link } from '../router.js'

const CANDIDATE = /([#@][A-Za-z0-9_]+)/

/**
 * A post's text with the #tags and @mentions the API found in it (`tags`, `mentions`) as links;
 * which words count is the API's rule, so the client only links what it lists. Everything stays a
 * text node: the text is split, never parsed as markup.
 */
export function RichText({
  text,
  tags,
  mentions,
}: {
  text: string
  tags: readonly string[]
  mentions: readonly string[]
}) {
  const parts = text.split(CANDIDATE)
  return (
    <>
      {parts.map((part, index) => {
        const name = part.slice(1).toLowerCase()
        if (index % 2 === 1 && part.startsWith('#') && tags.includes(name)) {
          return (
            <Link key={index} href={`/tags/${encodeURIComponent(name)}`}>
              {part}
            </Link>
          )
        }
        if (index % 2 === 1 && part.startsWith('@') && mentions.includes(name)) {
          return (
            <Link key={index} href={`/users/${encodeURIComponent(name)}`}>
              {part}
            </Link>
          )
        }
        return part
      })}
    </>
  )
}
