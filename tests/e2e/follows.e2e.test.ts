import { describe, expect, it } from 'vitest'

import {
  expectJson,
  expectProblem,
  type Page,
  type PublicUser,
  request,
  withQuery,
} from './support/api.js'
import { follow, registerMember, startFollowing, unfollow } from './support/social.js'
import { uniqueSuffix } from './support/users.js'

function followList(
  username: string,
  direction: 'followers' | 'following',
  limit?: number,
  cursor?: string,
) {
  return request(withQuery(`/api/subscriptions/${username}/${direction}`, { limit, cursor }))
}

describe('following', () => {
  it('answers 201 following:true to a new follow and 200 to the same follow again', async () => {
    const follower = await registerMember()
    const followee = await registerMember()

    expect(expectJson(await follow(follower, followee.username), 201)).toEqual({ following: true })
    expect(expectJson(await follow(follower, followee.username), 200)).toEqual({ following: true })
  })

  it('refuses to follow oneself with 422 cannot-follow-self', async () => {
    const member = await registerMember()
    expectProblem(await follow(member, member.username), 422, 'cannot-follow-self')
  })

  it('answers 404 for an account nobody registered', async () => {
    const member = await registerMember()
    expectProblem(await follow(member, `ghost_${uniqueSuffix()}`), 404, 'not-found')
  })

  it('answers 200 following:false to an unfollow, and again when no longer following', async () => {
    const follower = await registerMember()
    const followee = await registerMember()
    await startFollowing(follower, followee.username)

    expect(expectJson(await unfollow(follower, followee.username), 200)).toEqual({
      following: false,
    })
    expect(expectJson(await unfollow(follower, followee.username), 200)).toEqual({
      following: false,
    })
    const followers = expectJson<Page<PublicUser>>(
      await followList(followee.username, 'followers'),
      200,
    )
    expect(followers.items).toEqual([])
  })
})

describe('followers and following lists', () => {
  it('lists followers as PublicUser items, a page at a time', async () => {
    const followee = await registerMember()
    const first = await registerMember()
    const second = await registerMember()
    await startFollowing(first, followee.username)
    await startFollowing(second, followee.username)

    const page1 = expectJson<Page<PublicUser>>(
      await followList(followee.username, 'followers', 1),
      200,
    )
    expect(page1.items).toHaveLength(1)
    expect(page1.nextCursor).toEqual(expect.any(String))
    const page2 = expectJson<Page<PublicUser>>(
      await followList(followee.username, 'followers', 1, page1.nextCursor ?? undefined),
      200,
    )
    expect(page2.items).toHaveLength(1)
    expect(page2.nextCursor).toBeNull()

    const listed = [...page1.items, ...page2.items]
    expect(listed.map((user) => user.id).sort()).toEqual([first.id, second.id].sort())
    const firstListed = listed.find((user) => user.id === first.id)
    // The same account must look the same in subscription's list as in auth's own answer.
    expect(firstListed).toEqual({
      id: first.id,
      username: first.username,
      displayName: first.displayName,
      bio: first.me.bio,
      avatarUrl: first.me.avatarUrl,
      createdAt: first.me.createdAt,
      followersCount: expect.any(Number),
      followingCount: expect.any(Number),
      postsCount: expect.any(Number),
    })
  })

  it('lists the accounts someone follows', async () => {
    const follower = await registerMember()
    const followee = await registerMember()
    await startFollowing(follower, followee.username)

    const following = expectJson<Page<PublicUser>>(
      await followList(follower.username, 'following'),
      200,
    )

    expect(following).toEqual({
      items: [expect.objectContaining({ id: followee.id, username: followee.username })],
      nextCursor: null,
    })
    const none = expectJson<Page<PublicUser>>(await followList(followee.username, 'following'), 200)
    expect(none).toEqual({ items: [], nextCursor: null })
  })

  it('answers 404 for the lists of an account nobody registered', async () => {
    const ghost = `ghost_${uniqueSuffix()}`
    expectProblem(await followList(ghost, 'followers'), 404, 'not-found')
    expectProblem(await followList(ghost, 'following'), 404, 'not-found')
  })
})
