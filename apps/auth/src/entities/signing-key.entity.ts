import { defineEntity, type InferEntity, p } from '@mikro-orm/core'

/** Outside production the JWT signing key is generated once and kept here, so restarts keep tokens valid. */
export const SigningKey = defineEntity({
  name: 'SigningKey',
  tableName: 'signing_keys',
  properties: {
    kid: p.string().length(64).primary(),
    privateJwk: p.json<Record<string, unknown>>(),
    createdAt: p.datetime(),
  },
})

export type SigningKeyRow = InferEntity<typeof SigningKey>
