import { defineEntity, type InferEntity, p } from '@mikro-orm/core'

/** What a test handler does: one row per successful handling, so duplicates are countable. */
export const Effect = defineEntity({
  name: 'Effect',
  tableName: 'effects',
  properties: {
    id: p.uuid().primary(),
    label: p.text().index(),
    messageId: p.uuid(),
  },
})

export type Effect = InferEntity<typeof Effect>
