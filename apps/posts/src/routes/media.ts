import { UnsupportedMediaTypeError, ValidationError } from '@chatty/domain'
import {
  bearerSecurity,
  createRouter,
  currentUser,
  jsonContent,
  problems,
  requireUser,
  requireVerifiedEmail,
} from '@chatty/http'
import { createRoute } from '@hono/zod-openapi'

import type { PostsContext } from '../context.js'
import { storeUpload, toMedia } from '../domain/media.js'
import { limits } from '../domain/rate-limits.js'
import { UndecodableImageError } from '../media/images.js'
import { sniffImageFormat } from '../media/sniff.js'
import { readUpload, type UploadLimits } from '../media/upload.js'
import { mediaSchema } from './schemas.js'

export const MEDIA_UPLOAD_PATH = '/api/media'

/** 8 MiB a file; the request may be twice that, the rest of a too-big file is read and dropped. */
export const UPLOAD_LIMITS: UploadLimits = {
  maxFileBytes: 8 * 1024 * 1024,
  maxRequestBytes: 16 * 1024 * 1024,
  maxDescriptionLength: 1500,
}

export function mediaRoutes(ctx: PostsContext) {
  const router = createRouter()

  router.openapi(
    createRoute({
      method: 'post',
      path: MEDIA_UPLOAD_PATH,
      summary:
        'Upload a picture (PNG, JPEG, WebP or GIF, at most 8 MB, recognised by its bytes); it is stored without metadata, with a preview at most 640 px wide, and must be attached to a post within 24 hours',
      security: bearerSecurity,
      middleware: [
        requireUser(ctx.verifyAccessToken),
        requireVerifiedEmail(ctx.config.requireVerifiedEmail),
      ] as const,
      request: {
        // A plain schema, not zod: @hono/zod-openapi would otherwise buffer the whole form.
        body: {
          required: true,
          content: {
            'multipart/form-data': {
              schema: {
                type: 'object',
                required: ['file'],
                properties: {
                  file: { type: 'string', format: 'binary' },
                  description: { type: 'string', maxLength: 1500, description: 'Alt text' },
                },
              },
            },
          },
        },
      },
      responses: {
        201: jsonContent(mediaSchema, 'The stored picture'),
        ...problems(400, 401, 403, 413, 415, 422, 429, 503),
      },
    }),
    async (c) => {
      const user = currentUser(c)
      await ctx.rateLimiter.hit(limits.uploadPerUser, user.id)
      const upload = await readUpload(c.req.raw.body, c.req.header('content-type'), UPLOAD_LIMITS)
      const format = sniffImageFormat(upload.file)
      if (!format) {
        throw new UnsupportedMediaTypeError('The file is not a PNG, JPEG, WebP or GIF image.')
      }
      let image
      try {
        image = await ctx.images.process(upload.file, format)
      } catch (error) {
        if (!(error instanceof UndecodableImageError)) throw error
        c.get('logger').info({ reason: error.message }, 'upload refused: undecodable image')
        throw new ValidationError(
          [{ path: 'file', message: 'The image is damaged, truncated or too large to decode.' }],
          'The image cannot be read.',
        )
      }
      const stored = await storeUpload(
        ctx.orm.em.fork(),
        { clock: ctx.clock, store: ctx.mediaStore },
        { ownerId: user.id, image, description: upload.description },
      )
      return c.json(toMedia(stored, ctx.config.media.baseUrl), 201)
    },
  )

  return router
}
