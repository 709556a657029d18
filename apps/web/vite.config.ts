import { defineConfig } from 'vite'

export default defineConfig({
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    // nginx serves /assets/ as immutable: every name there carries its content hash.
    assetsDir: 'assets',
    // A data: URI for a small asset would need a looser img-src/font-src in the CSP than needed.
    assetsInlineLimit: 0,
  },
})
