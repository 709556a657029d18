import type { EntityManager } from '@mikro-orm/postgresql'

import { kyselyOf } from './kysely.js'

/** Any service's table of accounts: keyed by `id`, with `username`, `display_name`, `profile_at`. */
type AccountTables = Record<string, Record<string, unknown>>

export interface Registration {
  userId: string
  username: string
  displayName: string
  registeredAt: Date
}

export interface RegistrationColumns {
  /** Further columns the registration sets, on a new row and on one an earlier event made. */
  always?: Record<string, unknown>
  /** Columns set only when the registration makes the row. */
  onInsert?: Record<string, unknown>
}

/**
 * Records UserRegistered in a service's own table of accounts, in one statement whether or not an
 * event that overtook the registration made the row already: the username always, the display name
 * unless a profile newer than the registration is there (`profile_at` says how new the profile is).
 */
export async function recordRegistration(
  em: EntityManager,
  table: string,
  registration: Registration,
  columns: RegistrationColumns = {},
): Promise<void> {
  const always = columns.always ?? {}
  await kyselyOf<AccountTables>(em)
    .insertInto(table)
    .values({
      ...columns.onInsert,
      ...always,
      id: registration.userId,
      username: registration.username,
      display_name: registration.displayName,
      profile_at: registration.registeredAt,
    })
    .onConflict((conflict) =>
      conflict.column('id').doUpdateSet((eb) => {
        const newerProfile = eb.or([
          eb(eb.ref(`${table}.profile_at`), 'is', null),
          eb(eb.ref(`${table}.profile_at`), '<', eb.ref('excluded.profile_at')),
        ])
        return {
          ...Object.fromEntries(
            Object.keys(always).map((column) => [column, eb.ref(`excluded.${column}`)]),
          ),
          username: eb.ref('excluded.username'),
          display_name: eb
            .case()
            .when(newerProfile)
            .then(eb.ref('excluded.display_name'))
            .else(eb.ref(`${table}.display_name`))
            .end(),
          profile_at: eb.fn('greatest', [
            eb.ref(`${table}.profile_at`),
            eb.ref('excluded.profile_at'),
          ]),
        }
      }),
    )
    .execute()
}
