import { describe, expect, it } from 'vitest'

import { MAX_TAGS, parseMentions, parseTags } from './content.js'

describe('parseTags', () => {
  it('finds tags anywhere, lowercased, unique, in order of first appearance', () => {
    expect(parseTags('#Rust is fun. #rust #Web_Dev, (#go) and #GO!')).toEqual([
      'rust',
      'web_dev',
      'go',
    ])
  })

  it('keeps at most ten tags', () => {
    const content = Array.from({ length: 15 }, (_, index) => `#t${index}`).join(' ')
    expect(parseTags(content)).toHaveLength(MAX_TAGS)
    expect(parseTags(content).at(-1)).toBe('t9')
  })

  it('ignores a hash inside a word, numbers, and tags that run into other letters', () => {
    expect(parseTags('issue#12 C# #1 #2024 #café https://x.test/page#anchor')).toEqual([])
  })

  it('accepts digits inside a tag that has letters', () => {
    expect(parseTags('#web3 #2fa')).toEqual(['web3', '2fa'])
  })

  it('ignores a tag longer than fifty characters instead of cutting it', () => {
    expect(parseTags(`#${'a'.repeat(51)} #${'b'.repeat(50)}`)).toEqual(['b'.repeat(50)])
  })

  it('finds nothing in plain text', () => {
    expect(parseTags('just words')).toEqual([])
  })
})

describe('parseMentions', () => {
  it('finds usernames of 3–30 letters, digits or underscores, lowercased and unique', () => {
    expect(parseMentions('hi @Alice and @bob_42, @alice again; cc:@carol.')).toEqual([
      'alice',
      'bob_42',
      'carol',
    ])
  })

  it('ignores email addresses, profile URLs and names of the wrong length', () => {
    expect(
      parseMentions(
        `mail me at me@example.test, see https://x.test/@dave, @ab, @${'x'.repeat(31)}`,
      ),
    ).toEqual([])
  })

  it('accepts the shortest and the longest username', () => {
    expect(parseMentions(`@abc @${'z'.repeat(30)}`)).toEqual(['abc', 'z'.repeat(30)])
  })
})
