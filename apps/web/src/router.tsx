import type { ComponentChildren } from 'preact'
import { useEffect, useState } from 'preact/hooks'

const NAVIGATED = 'chatty:navigated'

/** Client-side navigation: nginx answers every client route with index.html. */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, '', to)
  else history.pushState(null, '', to)
  window.dispatchEvent(new Event(NAVIGATED))
  window.scrollTo(0, 0)
}

export interface Location {
  path: string
  query: URLSearchParams
}

function readLocation(): Location {
  return { path: location.pathname, query: new URLSearchParams(location.search) }
}

export function useLocation(): Location {
  const [current, setCurrent] = useState(readLocation)
  useEffect(() => {
    const update = () => setCurrent(readLocation())
    window.addEventListener('popstate', update)
    window.addEventListener(NAVIGATED, update)
    return () => {
      window.removeEventListener('popstate', update)
      window.removeEventListener(NAVIGATED, update)
    }
  }, [])
  return current
}

interface LinkProps {
  href: string
  class?: string
  children: ComponentChildren
}

export function Link({ href, children, ...rest }: LinkProps) {
  return (
    <a
      {...rest}
      href={href}
      onClick={(event) => {
        if (event.defaultPrevented || event.button !== 0) return
        if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return
        event.preventDefault()
        navigate(href)
      }}
    >
      {children}
    </a>
  )
}
