import type { ComponentChildren } from 'preact'
import { useEffect, useRef } from 'preact/hooks'

import type { PagedList } from '../hooks.js'
import { ProblemMessage } from './forms.js'

/** The end of a paged list: loads the next page when it scrolls into view, or on click. */
export function MoreBelow<T>({ list, empty }: { list: PagedList<T>; empty: ComponentChildren }) {
  const sentinel = useRef<HTMLDivElement>(null)
  useEffect(() => {
    const element = sentinel.current
    if (!element || list.done || list.error) return
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) list.loadMore()
    })
    observer.observe(element)
    return () => observer.disconnect()
  })
  return (
    <div ref={sentinel} class="more">
      <ProblemMessage error={list.error} />
      {list.loading ? (
        <p role="status">Loading…</p>
      ) : list.done ? (
        list.items.length === 0 ? (
          <p class="empty">{empty}</p>
        ) : null
      ) : (
        <button type="button" class="secondary" onClick={() => list.loadMore()}>
          Load more
        </button>
      )}
    </div>
  )
}
