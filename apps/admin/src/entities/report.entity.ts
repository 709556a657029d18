import { defineEntity, type InferEntity, p } from '@mikro-orm/core'

export const REPORT_STATUSES = ['open', 'resolved', 'dismissed'] as const
export type ReportStatus = (typeof REPORT_STATUSES)[number]
export const REPORT_TARGET_TYPES = ['post', 'comment', 'user'] as const
export type ReportTargetType = (typeof REPORT_TARGET_TYPES)[number]

/**
 * A user's report of a post, a comment or an account, waiting in the moderators' queue until one
 * of them resolves or dismisses it. One person has at most one open report per target (a partial
 * unique index), so reporting again while it is open answers that report.
 */
export const Report = defineEntity({
  name: 'Report',
  tableName: 'reports',
  properties: {
    /** UUIDv7 from the creation time, so the id orders the queue. */
    id: p.uuid().primary(),
    reporterId: p.uuid(),
    /** From the reporter's token: usernames never change, and the account may not be projected yet. */
    reporterUsername: p.string().length(30),
    targetType: p.enum(REPORT_TARGET_TYPES),
    targetId: p.uuid(),
    reason: p.string().length(500),
    status: p.enum(REPORT_STATUSES).default('open'),
    note: p.string().length(1000).nullable(),
    resolvedBy: p.uuid().nullable(),
    resolvedAt: p.datetime().nullable(),
    createdAt: p.datetime(),
  },
  uniques: [
    {
      name: 'reports_open_per_reporter_unique',
      expression:
        'create unique index "reports_open_per_reporter_unique" on "reports" ("reporter_id", "target_type", "target_id") where "status" = \'open\'',
    },
  ],
  indexes: [
    { name: 'reports_status_id_index', properties: ['status', 'id'] },
    { name: 'reports_target_type_id_index', properties: ['targetType', 'id'] },
  ],
})

export type ReportRow = InferEntity<typeof Report>
