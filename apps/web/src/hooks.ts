import { useCallback, useEffect, useRef, useState } from 'preact/hooks'

import { ApiError, type Me, type Page } from './api.js'
import { apiJson, currentMe, onSessionChange } from './session.js'

export function useMe(): Me | null {
  const [me, setMe] = useState(currentMe)
  useEffect(() => onSessionChange(setMe), [])
  return me
}

/** The document title for the current screen, so a navigation is announced by name. */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = title ? `${title} · Chatty` : 'Chatty'
  }, [title])
}

export type Loaded<T> =
  { state: 'loading' } | { state: 'failed'; error: ApiError } | { state: 'ready'; value: T }

/** Loads `path` as JSON whenever it changes; `reload` fetches it again. */
export function useResource<T>(
  path: string | null,
  /** Loads again when this changes (the signed-in user, for answers that depend on the caller). */
  viewer?: string,
): [Loaded<T>, () => void, (value: T) => void] {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'loading' })
  const [generation, setGeneration] = useState(0)
  useEffect(() => {
    if (path === null) return
    let live = true
    setLoaded({ state: 'loading' })
    apiJson<T>(path).then(
      (value) => live && setLoaded({ state: 'ready', value }),
      (error: unknown) => live && setLoaded({ state: 'failed', error: asApiError(error) }),
    )
    return () => {
      live = false
    }
  }, [path, viewer, generation])
  const reload = useCallback(() => setGeneration((value) => value + 1), [])
  const replace = useCallback((value: T) => setLoaded({ state: 'ready', value }), [])
  return [loaded, reload, replace]
}

export function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error
  return new ApiError({ code: 'unexpected', title: 'Something went wrong', status: 0 })
}

export interface PagedList<T> {
  items: T[]
  loading: boolean
  error: ApiError | null
  done: boolean
  loadMore(): void
  reload(): void
  update(change: (items: T[]) => T[]): void
}

function withCursor(path: string, cursor: string | null): string {
  if (cursor === null) return path
  return `${path}${path.includes('?') ? '&' : '?'}cursor=${encodeURIComponent(cursor)}`
}

/**
 * A cursor-paged list (`{ items, nextCursor }`) that grows page by page. What the next page is
 * lives in a ref, not in a render's closure: an IntersectionObserver callback from an older render
 * must neither fetch a page twice nor continue a list whose path has changed since.
 */
export function usePagedList<T>(path: string | null): PagedList<T> {
  const [items, setItems] = useState<T[]>([])
  const [done, setDone] = useState(false)
  // Loading from the first render on, so the first page is never preceded by a "Load more" button.
  const [loading, setLoading] = useState(path !== null)
  const [error, setError] = useState<ApiError | null>(null)
  const [generation, setGeneration] = useState(0)
  const state = useRef({ epoch: 0, cursor: null as string | null, done: false, busy: false })

  const fetchPage = useCallback(() => {
    const current = state.current
    if (path === null || current.busy || current.done) return
    current.busy = true
    const epoch = current.epoch
    const first = current.cursor === null
    setLoading(true)
    apiJson<Page<T>>(withCursor(path, current.cursor))
      .then(
        (page) => {
          if (state.current.epoch !== epoch) return
          state.current.cursor = page.nextCursor
          state.current.done = page.nextCursor === null
          setItems((previous) => (first ? page.items : [...previous, ...page.items]))
          setDone(page.nextCursor === null)
          setError(null)
        },
        (failure: unknown) => {
          if (state.current.epoch === epoch) setError(asApiError(failure))
        },
      )
      .finally(() => {
        if (state.current.epoch !== epoch) return
        state.current.busy = false
        setLoading(false)
      })
  }, [path])

  useEffect(() => {
    state.current = { epoch: state.current.epoch + 1, cursor: null, done: false, busy: false }
    setItems([])
    setDone(false)
    setError(null)
    fetchPage()
  }, [fetchPage, generation])

  return {
    items,
    loading,
    error,
    done,
    loadMore: fetchPage,
    reload: () => setGeneration((value) => value + 1),
    update: (change) => setItems(change),
  }
}
