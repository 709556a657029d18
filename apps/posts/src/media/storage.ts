import { mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

/**
 * Where uploaded files live. A file is written once under a name the store is given and never
 * changed; the directory below is the one implementation, and an S3-compatible bucket behind the
 * same two calls could replace it (nginx would then proxy `/media/` to it).
 */
export interface MediaStore {
  /** Stores `data` as `name`; an existing file of that name is an error. */
  put(name: string, data: Uint8Array): Promise<void>
  /** Removes files; a file already gone is fine. */
  delete(names: readonly string[]): Promise<void>
}

/** A stored name: the random part and an extension, nothing that could leave the directory. */
const STORED_NAME = /^[A-Za-z0-9_-]{16,64}\.(?:jpg|png|webp|gif)$/

function checkedName(name: string): string {
  if (!STORED_NAME.test(name)) throw new Error(`not a media file name: ${name}`)
  return name
}

/** The files in one local directory (MEDIA_DIR), which nginx serves at `/media/`. */
export function createDirectoryStore(dir: string): MediaStore {
  let ready: Promise<unknown> | undefined
  return {
    put: async (name, data) => {
      ready ??= mkdir(dir, { recursive: true })
      await ready
      // Readable by nginx's workers, which may run as another user.
      await writeFile(join(dir, checkedName(name)), data, { flag: 'wx', mode: 0o644 })
    },
    delete: async (names) => {
      await Promise.all(names.map((name) => rm(join(dir, checkedName(name)), { force: true })))
    },
  }
}
