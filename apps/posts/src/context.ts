import {
  createHttpServiceFoundation,
  type HttpServiceFoundation,
  type ServiceOverrides,
} from '@chatty/service'

import type { PostsConfig } from './config.js'
import { registerConsumers } from './consumers/index.js'
import { runMediaCleanup } from './jobs/media-cleanup.js'
import { runPollClosing } from './jobs/poll-closing.js'
import { runPostCountsRollup } from './jobs/post-counts.js'
import { runStandingWalks } from './jobs/standing-walk.js'
import { runTagUsePruning } from './jobs/tag-uses.js'
import { createImageProcessor, type ImageProcessor } from './media/images.js'
import { createDirectoryStore, type MediaStore } from './media/storage.js'
import { entities, migrations } from './orm.js'

export interface PostsContext extends HttpServiceFoundation {
  config: PostsConfig
  /** Where uploaded pictures are kept (MEDIA_DIR). */
  mediaStore: MediaStore
  images: ImageProcessor
}

export type PostsOverrides = ServiceOverrides & { mediaStore?: MediaStore }

/** A decoded picture may have at most this many pixels (40 MP): refuses decompression bombs. */
const MAX_IMAGE_PIXELS = 40_000_000

export async function createContext(
  config: PostsConfig,
  overrides: PostsOverrides = {},
): Promise<PostsContext> {
  const foundation = await createHttpServiceFoundation(config, { entities, migrations, overrides })
  foundation.addBackgroundJob('post-counts', (signal) =>
    runPostCountsRollup({
      em: foundation.orm.em,
      intervalMs: config.postCountsIntervalMs,
      signal,
    }),
  )
  foundation.addBackgroundJob('standing-walk', (signal) =>
    runStandingWalks({
      em: foundation.orm.em,
      batchSize: config.standingWalkBatchSize,
      intervalMs: config.postCountsIntervalMs,
      signal,
    }),
  )
  foundation.addBackgroundJob('tag-uses', (signal) =>
    runTagUsePruning({ em: foundation.orm.em, clock: foundation.clock, signal }),
  )
  foundation.addBackgroundJob('poll-closing', (signal) =>
    runPollClosing({
      em: foundation.orm.em,
      clock: foundation.clock,
      intervalMs: config.pollClosingIntervalMs,
      signal,
    }),
  )
  const mediaStore = overrides.mediaStore ?? createDirectoryStore(config.media.dir)
  foundation.addBackgroundJob('media-cleanup', (signal) =>
    runMediaCleanup({
      em: foundation.orm.em,
      store: mediaStore,
      clock: foundation.clock,
      maxAgeMs: config.media.unattachedMaxAgeMs,
      intervalMs: config.media.cleanupIntervalMs,
      signal,
    }),
  )
  const context: PostsContext = {
    ...foundation,
    config,
    mediaStore,
    images: createImageProcessor({
      maxPixels: MAX_IMAGE_PIXELS,
      concurrency: config.media.processingConcurrency,
    }),
    // Consumers are registered when the service starts, after the HTTP app is built.
    start: async () => {
      registerConsumers(context)
      await foundation.start()
    },
  }
  return context
}
