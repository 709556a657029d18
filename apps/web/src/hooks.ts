import { useCallback, useEffect, useRef, useState } from 'preact/hooks'

import { ApiError, type Me, type Page } from './api.js'
import { apiJson, currentMe, onSessionChange } from './session.js'

export function useMe(): Me | null {
  const [me, setMe] = useState(currentMe)
  useEffect(() => onSessionChange(setMe), [])
  return me
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

/** A cursor-paged list (`{ items, nextCursor }`) that grows page by page. */
export function usePagedList<T>(path: string | null): PagedList<T> {
  const [items, setItems] = useState<T[]>([])
  const [cursor, setCursor] = useState<string | null>(null)
  const [done, setDone] = useState(false)
  const [loading, setLoading] = useState(false)
  const [error, setError] = useState<ApiError | null>(null)
  const [generation, setGeneration] = useState(0)
  const busy = useRef(false)
  const current = useRef({ path, generation })
  current.current = { path, generation }

  const fetchPage = useCallback(
    (from: string | null, replace: boolean) => {
      if (path === null || busy.current) return
      busy.current = true
      setLoading(true)
      const requested = { path, generation }
      apiJson<Page<T>>(withCursor(path, from))
        .then(
          (page) => {
            if (current.current.path !== requested.path) return
            setItems((previous) => (replace ? page.items : [...previous, ...page.items]))
            setCursor(page.nextCursor)
            setDone(page.nextCursor === null)
            setError(null)
          },
          (failure: unknown) => setError(asApiError(failure)),
        )
        .finally(() => {
          busy.current = false
          setLoading(false)
        })
    },
    [path, generation],
  )

  useEffect(() => {
    setItems([])
    setCursor(null)
    setDone(false)
    busy.current = false
    fetchPage(null, true)
  }, [fetchPage])

  return {
    items,
    loading,
    error,
    done,
    loadMore: () => {
      if (!done) fetchPage(cursor, false)
    },
    reload: () => setGeneration((value) => value + 1),
    update: (change) => setItems(change),
  }
}
