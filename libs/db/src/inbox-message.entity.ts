import { defineEntity, type InferEntity, p } from '@mikro-orm/core'

/** A message a consumer has processed; written in the same transaction as its effect. */
export const InboxMessage = defineEntity({
  name: 'InboxMessage',
  tableName: 'inbox',
  properties: {
    consumer: p.text().primary(),
    messageId: p.uuid().primary(),
    type: p.text(),
    processedAt: p.datetime().onCreate(() => new Date()),
  },
  primaryKeys: ['consumer', 'messageId'],
})

export type InboxMessage = InferEntity<typeof InboxMessage>
