export const MAX_TAGS = 10
export const MAX_MENTIONS = 20
export const TAG_MAX_LENGTH = 50

// A tag or mention starts the text or follows a character that cannot be part of a word, so
// `a#b`, `e-mail@host` and URL fragments after a word are not picked up; it must also end there.
const TAG = new RegExp(
  `(?<![\\p{L}\\p{N}_#@&/])#([A-Za-z0-9_]{1,${TAG_MAX_LENGTH}})(?![\\p{L}\\p{N}_])`,
  'gu',
)
const MENTION = /(?<![\p{L}\p{N}_@/])@([A-Za-z0-9_]{3,30})(?![\p{L}\p{N}_@])/gu

function firstUnique(matches: Iterable<RegExpMatchArray>, max: number): string[] {
  const found = new Set<string>()
  for (const match of matches) {
    const value = match[1]?.toLowerCase()
    if (value === undefined) continue
    found.add(value)
    if (found.size === max) break
  }
  return [...found]
}

/**
 * The `#tags` of a post, lowercased, unique, in order of first appearance, at most ten. Tags
 * made of digits only (`#1`) are numbers, not topics.
 */
export function parseTags(content: string): string[] {
  const topical = [...content.matchAll(TAG)].filter((match) => !/^\d+$/.test(match[1] ?? ''))
  return firstUnique(topical, MAX_TAGS)
}

/** The `@usernames` a post mentions, lowercased (usernames are case-insensitive), unique. */
export function parseMentions(content: string): string[] {
  return firstUnique(content.matchAll(MENTION), MAX_MENTIONS)
}
