import { authorSummarySchema } from '@chatty/contracts'
import { named, pageQuery } from '@chatty/http'
import { z } from '@hono/zod-openapi'

import { NOTIFICATION_TYPES } from '../entities/notification.entity.js'

const actorSchema = named(authorSummarySchema, 'AuthorSummary')

const excerptSchema = z.object({ id: z.uuid(), excerpt: z.string() })

export const notificationSchema = z
  .object({
    id: z.uuid(),
    type: z.enum(NOTIFICATION_TYPES),
    actor: actorSchema.nullable(),
    post: excerptSchema.nullable(),
    comment: excerptSchema.nullable(),
    read: z.boolean(),
    createdAt: z.iso.datetime(),
  })
  .openapi('Notification')

export const notificationListQuery = pageQuery.extend({
  unread: z.enum(['true', 'false']).optional().openapi({ description: 'Only unread ones' }),
  type: z.enum(NOTIFICATION_TYPES).optional(),
})

export const unreadCountSchema = z
  .object({ count: z.number().int().nonnegative() })
  .openapi('UnreadCount', { example: { count: 3 } })

export const readAllSchema = z
  .object({ updated: z.number().int().nonnegative() })
  .openapi('ReadAll', { example: { updated: 3 } })

export const streamTicketSchema = z
  .object({ ticket: z.string(), expiresIn: z.number().int() })
  .openapi('StreamTicket', { example: { ticket: 'pJ8…', expiresIn: 60 } })

export const idParams = z.object({
  id: z.string().openapi({ param: { name: 'id', in: 'path' }, format: 'uuid' }),
})
