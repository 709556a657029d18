import { UUID_PATTERN } from '@chatty/contracts'
import { inTransaction } from '@chatty/db'
import { NotFoundError } from '@chatty/domain'
import {
  bearerSecurity,
  createRouter,
  currentUser,
  decodeCursor,
  jsonContent,
  pageFromRows,
  pageOf,
  problems,
  requireUser,
} from '@chatty/http'
import { createRoute } from '@hono/zod-openapi'

import type { NotificationsContext } from '../context.js'
import { liveChanges } from '../domain/live-changes.js'
import { publishCommitted } from '../domain/live-delivery.js'
import { deleteNotification, markAllRead, markRead, unreadCount } from '../domain/notifications.js'
import {
  findNotification,
  listNotifications,
  type NotificationPosition,
  notificationPositionSchema,
  toNotificationView,
} from '../domain/views.js'
import {
  idParams,
  notificationListQuery,
  notificationSchema,
  readAllSchema,
  unreadCountSchema,
} from './schemas.js'

const notFound = () => new NotFoundError('No such notification.')

export function notificationRoutes(ctx: NotificationsContext) {
  const router = createRouter()
  const authenticated = requireUser(ctx.verifyAccessToken)
  const publish = (changes: ReturnType<typeof liveChanges>) =>
    publishCommitted(ctx.orm.em.fork(), ctx.redis, changes, ctx.logger)

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/notifications',
      summary: 'Your notifications, newest first',
      security: bearerSecurity,
      middleware: [authenticated] as const,
      request: { query: notificationListQuery },
      responses: {
        200: jsonContent(pageOf(notificationSchema), 'A page of notifications'),
        ...problems(400, 401, 422, 503),
      },
    }),
    async (c) => {
      const { limit, cursor, unread, type } = c.req.valid('query')
      const rows = await listNotifications(ctx.orm.em.fork(), {
        recipientId: currentUser(c).id,
        unread: unread === 'true',
        type,
        position: decodeCursor(cursor, notificationPositionSchema),
        rows: limit + 1,
      })
      const page = pageFromRows(rows, limit, toNotificationView, (last): NotificationPosition => ({
        at: last.created_at.toISOString(),
        id: last.id,
      }))
      return c.json(page, 200)
    },
  )

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/notifications/unread-count',
      summary: 'How many of your notifications are unread',
      security: bearerSecurity,
      middleware: [authenticated] as const,
      responses: {
        200: jsonContent(unreadCountSchema, 'The unread count'),
        ...problems(401, 503),
      },
    }),
    async (c) => {
      const count = await unreadCount(ctx.orm.em.fork(), currentUser(c).id)
      return c.json({ count }, 200)
    },
  )

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/notifications/read-all',
      summary: 'Mark all your notifications read',
      security: bearerSecurity,
      middleware: [authenticated] as const,
      responses: {
        200: jsonContent(readAllSchema, 'How many were unread'),
        ...problems(401, 503),
      },
    }),
    async (c) => {
      const changes = liveChanges()
      const recipientId = currentUser(c).id
      const updated = await inTransaction(ctx.orm.em, (em) =>
        markAllRead(em, changes, { recipientId, now: ctx.clock() }),
      )
      await publish(changes)
      return c.json({ updated }, 200)
    },
  )

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/notifications/{id}/read',
      summary: 'Mark one of your notifications read',
      security: bearerSecurity,
      middleware: [authenticated] as const,
      request: { params: idParams },
      responses: {
        200: jsonContent(notificationSchema, 'The notification, read'),
        ...problems(401, 404, 503),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param')
      if (!UUID_PATTERN.test(id)) throw notFound()
      const recipientId = currentUser(c).id
      const changes = liveChanges()
      const row = await inTransaction(ctx.orm.em, async (em) => {
        if (!(await markRead(em, changes, { recipientId, id, now: ctx.clock() }))) return undefined
        return findNotification(em, recipientId, id)
      })
      if (!row) throw notFound()
      await publish(changes)
      return c.json(toNotificationView(row), 200)
    },
  )

  router.openapi(
    createRoute({
      method: 'delete',
      path: '/api/notifications/{id}',
      summary: 'Delete one of your notifications',
      security: bearerSecurity,
      middleware: [authenticated] as const,
      request: { params: idParams },
      responses: {
        204: { description: 'Deleted' },
        ...problems(401, 404, 503),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param')
      if (!UUID_PATTERN.test(id)) throw notFound()
      const recipientId = currentUser(c).id
      const changes = liveChanges()
      const deleted = await inTransaction(ctx.orm.em, (em) =>
        deleteNotification(em, changes, { recipientId, id }),
      )
      if (!deleted) throw notFound()
      await publish(changes)
      return c.body(null, 204)
    },
  )

  return router
}
