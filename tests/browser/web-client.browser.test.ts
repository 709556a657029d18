import type { Browser, Page, Request } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { adminCredentials } from '../e2e/support/admin.js'
import { png } from '../e2e/support/images.js'
import {
  readResetLink,
  readVerificationEmail,
  waitForEmail,
  waitForEmailAbout,
} from '../e2e/support/mailbox.js'
import { newUser } from '../e2e/support/users.js'
import {
  launchChromium,
  logIn,
  openPerson,
  PHONE,
  screenshotAll,
  scrollsSideways,
} from './support/browser.js'

/** How long the client may take to show what travels through the broker (feeds, notifications). */
const LIVE_MS = 15_000

let browser: Browser

beforeAll(async () => {
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
})

/** Registers through the client's form and verifies with the code the email carries. */
async function registerAndVerify(page: Page, person: ReturnType<typeof newUser>): Promise<void> {
  await page.goto('/register')
  await page.getByLabel('Username').fill(person.username)
  await page.getByLabel('Display name (optional)').fill(person.displayName)
  await page.getByLabel('Email').fill(person.email)
  await page.getByLabel('Password').fill(person.password)
  await page.getByRole('button', { name: 'Create account' }).click()
  await page.getByRole('heading', { name: 'Verify your email' }).waitFor()
  expect(await page.getByLabel('Email').inputValue()).toBe(person.email)
  const { code } = readVerificationEmail(await waitForEmail(person.email))
  await page.getByLabel('Code').fill(code)
  await page.getByRole('button', { name: 'Verify', exact: true }).click()
  await page.getByRole('heading', { name: 'Email verified' }).waitFor()
}

/**
 * Reloads `page` until `check` passes: for what the client shows only on the next load. Each load
 * gets two seconds to fetch and render before the next reload.
 */
async function untilReloaded(page: Page, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + LIVE_MS
  for (;;) {
    const loadDeadline = Date.now() + 2_000
    while (Date.now() < loadDeadline) {
      if (await check()) return
      await page.waitForTimeout(200)
    }
    if (Date.now() > deadline) throw new Error(`still not shown after ${LIVE_MS} ms`)
    await page.reload()
  }
}

describe('the web client', () => {
  it('takes a person from registration to a post that others follow, like and lose to a ban', async ({
    task,
    onTestFailed,
  }) => {
    onTestFailed(() => screenshotAll(browser, task.name))
    const author = newUser()
    const fan = newUser()
    const first = await openPerson(browser)
    const second = await openPerson(browser)

    await registerAndVerify(first.page, author)
    await logIn(first.page, author.username, author.password)

    // A post with a picture and its alt text.
    await first.page.getByLabel("What's happening?").fill('Hello from a real browser #web')
    await first.page.getByLabel('Add pictures').setInputFiles({
      name: 'square.png',
      mimeType: 'image/png',
      buffer: png(320, 200),
    })
    await first.page.getByLabel('Description of picture 1 (alt text)').fill('A grey square')
    await first.page.getByRole('button', { name: 'Post', exact: true }).click()
    const posted = first.page.getByRole('article').filter({ hasText: 'Hello from a real browser' })
    await posted.waitFor()
    const picture = posted.getByRole('img', { name: 'A grey square' })
    await picture.waitFor()
    await expect
      .poll(() => picture.evaluate((image: HTMLImageElement) => image.naturalWidth))
      .toBeGreaterThan(0)

    // Staying signed in across a reload without spending the refresh token: within the access
    // token's lifetime a reload refreshes nothing, so a reload cut short cannot lose a rotated token.
    const refreshes: string[] = []
    const countRefresh = (request: Request) => {
      if (new URL(request.url()).pathname === '/api/auth/refresh') refreshes.push(request.url())
    }
    first.page.on('request', countRefresh)
    await first.page.reload()
    await first.page.getByRole('heading', { name: 'Home' }).waitFor()
    await posted.waitFor()
    await first.page.getByRole('button', { name: 'Log out' }).waitFor()
    first.page.off('request', countRefresh)
    expect(refreshes).toEqual([])

    // A second person follows the author and likes the post.
    await registerAndVerify(second.page, fan)
    await logIn(second.page, fan.username, fan.password)
    await second.page.goto(`/users/${author.username}`)
    await second.page.getByRole('button', { name: 'Follow' }).click()
    await second.page.getByRole('button', { name: 'Unfollow' }).waitFor()
    const liked = second.page.getByRole('article').filter({ hasText: 'Hello from a real browser' })
    await untilReloaded(second.page, () => liked.isVisible())
    await liked.getByRole('button', { name: /^Like/ }).click()
    await liked.getByRole('button', { name: /^Unlike · 1/ }).waitFor()

    // The author sees the notifications arrive without reloading: the unread badge.
    const badge = first.page.getByRole('navigation').locator('.badge')
    await badge.waitFor({ timeout: LIVE_MS })
    await expect.poll(() => badge.textContent(), { timeout: LIVE_MS }).toBe('2')
    await first.page.getByRole('link', { name: /Notifications/ }).click()
    await first.page.getByText('liked your post').waitFor()
    await first.page.getByText('followed you').waitFor()

    // A moderator bans the second person; their like disappears from the post.
    const moderator = await openPerson(browser)
    const admin = adminCredentials()
    await logIn(moderator.page, admin.username, admin.password)
    await moderator.page.getByRole('link', { name: 'Moderation' }).click()
    await moderator.page.getByLabel('Search users').fill(fan.username)
    await moderator.page.getByRole('button', { name: 'Search' }).click()
    const row = moderator.page.getByRole('listitem').filter({ hasText: `@${fan.username}` })
    await row.getByRole('button', { name: 'Ban…' }).click()
    await row.getByLabel('Reason').fill('Spam from the browser test')
    await row.getByRole('button', { name: `Ban @${fan.username}` }).click()
    await row.getByRole('button', { name: `Unban @${fan.username}` }).waitFor()

    await first.page.goto(`/users/${author.username}`)
    const own = first.page.getByRole('article').filter({ hasText: 'Hello from a real browser' })
    await untilReloaded(
      first.page,
      async () => (await own.locator('.like-count').textContent()) === '0',
    )
    for (const person of [first, second, moderator]) await person.context.close()
  })

  it('shows markup in a post as text and runs none of it', async ({ task, onTestFailed }) => {
    onTestFailed(() => screenshotAll(browser, task.name))
    const person = newUser()
    const { context, page } = await openPerson(browser)
    await registerAndVerify(page, person)
    await logIn(page, person.username, person.password)
    const markup = '<script>window.__xss = 1</script><img src="x" onerror="window.__xss = 2">'
    await page.getByLabel("What's happening?").fill(markup)
    await page.getByRole('button', { name: 'Post', exact: true }).click()
    const posted = page
      .getByRole('article')
      .filter({ hasText: '<script>window.__xss = 1</script>' })
    await posted.waitFor()
    await page.reload()
    await posted.waitFor()
    expect(await posted.locator('.content').textContent()).toBe(markup)
    expect(await posted.locator('script, img[src="x"]').count()).toBe(0)
    expect(await page.evaluate(() => (window as { __xss?: number }).__xss)).toBeUndefined()
    await context.close()
  })

  it("follows the emails' links into the client, and ends every session from the settings", async ({
    task,
    onTestFailed,
  }) => {
    onTestFailed(() => screenshotAll(browser, task.name))
    const person = newUser()
    const { context, page } = await openPerson(browser)
    await page.goto('/register')
    await page.getByLabel('Username').fill(person.username)
    await page.getByLabel('Email').fill(person.email)
    await page.getByLabel('Password').fill(person.password)
    await page.getByRole('button', { name: 'Create account' }).click()
    await page.getByRole('heading', { name: 'Verify your email' }).waitFor()
    const verification = await waitForEmail(person.email)
    await page.goto(readVerificationEmail(verification).linkText)
    await page.getByRole('heading', { name: 'Email verified' }).waitFor()

    await page.goto('/login')
    await page.getByRole('link', { name: 'Forgot your password?' }).click()
    await page.getByLabel('Email').fill(person.email)
    await page.getByRole('button', { name: 'Send me a link' }).click()
    await page.getByRole('status').waitFor()
    const reset = await waitForEmailAbout(person.email, /reset/i, [verification.ID])
    await page.goto(readResetLink(reset).href)
    const newPassword = `${person.password}-new`
    await page.getByLabel('New password').fill(newPassword)
    await page.getByRole('button', { name: 'Change password' }).click()
    await page.getByRole('heading', { name: 'Password changed' }).waitFor()

    await page.goto('/login')
    await page.getByLabel('Username or email').fill(person.username)
    await page.getByLabel('Password').fill(person.password)
    await page.getByRole('button', { name: 'Log in' }).click()
    // The old password no longer works: the API's problem is shown by the form.
    await page.getByRole('alert').waitFor()
    await logIn(page, person.email, newPassword)

    await page.goto('/search')
    await page.getByLabel('Search posts and people').fill(person.username)
    await page.getByRole('button', { name: 'Search' }).click()
    await page
      .getByRole('region', { name: 'People' })
      .getByRole('link', { name: new RegExp(`@${person.username}`) })
      .waitFor()

    await page.getByRole('link', { name: 'Settings' }).click()
    await page.getByText('(this browser)').waitFor()
    await page.getByRole('button', { name: 'Log out everywhere' }).click()
    await page.getByRole('heading', { name: 'Log in' }).waitFor()
    await page.reload()
    await page.getByRole('navigation').getByRole('link', { name: 'Log in' }).waitFor()
    expect(await page.getByRole('link', { name: 'Settings' }).count()).toBe(0)
    await context.close()
  })

  it('takes a report to the moderators, who take the post down from the queue', async ({
    task,
    onTestFailed,
  }) => {
    onTestFailed(() => screenshotAll(browser, task.name))
    const author = newUser()
    const reporter = newUser()
    const first = await openPerson(browser)
    const second = await openPerson(browser)
    await registerAndVerify(first.page, author)
    await logIn(first.page, author.username, author.password)
    await first.page.getByLabel("What's happening?").fill('Cheap watches, click here')
    await first.page.getByRole('button', { name: 'Post', exact: true }).click()
    await first.page.getByRole('article').filter({ hasText: 'Cheap watches' }).waitFor()

    await registerAndVerify(second.page, reporter)
    await logIn(second.page, reporter.username, reporter.password)
    await second.page.goto(`/users/${author.username}`)
    const reported = second.page.getByRole('article').filter({ hasText: 'Cheap watches' })
    await untilReloaded(second.page, () => reported.isVisible())
    const reason = `Spam ${reporter.username}`
    await reported.getByRole('button', { name: 'Report post' }).click()
    await reported.getByLabel('Reason').fill(reason)
    await reported.getByRole('button', { name: 'Report post' }).click()
    await reported.getByText('Reported. Thank you.').waitFor()

    const moderator = await openPerson(browser)
    const admin = adminCredentials()
    await logIn(moderator.page, admin.username, admin.password)
    await moderator.page.getByRole('link', { name: 'Reports' }).click()
    const report = moderator.page.getByRole('listitem').filter({ hasText: reason })
    await untilReloaded(moderator.page, () => report.isVisible())
    await report.getByText('Cheap watches, click here').waitFor()
    await report.getByRole('button', { name: 'Take down post' }).click()
    await report.getByRole('button', { name: 'Take down post' }).click()
    await report.getByText('Taken down.').waitFor()
    await report.getByRole('button', { name: 'Resolve' }).click()
    await report.locator('.status').getByText('resolved').waitFor()

    await first.page.goto(`/users/${author.username}`)
    await untilReloaded(first.page, async () => first.page.getByText('No posts yet.').isVisible())
    for (const person of [first, second, moderator]) await person.context.close()
  })

  it("shows the API's problem, and its message next to the field it names", async ({
    task,
    onTestFailed,
  }) => {
    onTestFailed(() => screenshotAll(browser, task.name))
    const taken = newUser()
    const { context, page } = await openPerson(browser)
    await registerAndVerify(page, taken)
    await page.goto('/register')
    await page.getByLabel('Username').fill(taken.username)
    await page.getByLabel('Email').fill(newUser().email)
    await page.getByLabel('Password').fill(taken.password)
    await page.getByRole('button', { name: 'Create account' }).click()
    await page.getByRole('alert').filter({ hasText: 'Conflict' }).waitFor()
    const username = page.getByLabel('Username')
    expect(await username.getAttribute('aria-invalid')).toBe('true')
    const describedBy = (await username.getAttribute('aria-describedby')) as string
    expect(await page.locator(`[id="${describedBy}"]`).textContent()).toMatch(/taken/i)
    expect(await page.getByLabel('Email').getAttribute('aria-invalid')).toBeNull()
    await context.close()
  })

  it('fits a 390×844 phone screen without sideways scrolling', async ({ task, onTestFailed }) => {
    onTestFailed(() => screenshotAll(browser, task.name))
    const person = newUser()
    const { context, page } = await openPerson(browser, PHONE)
    await registerAndVerify(page, person)
    expect(await scrollsSideways(page)).toBe(false)
    await logIn(page, person.username, person.password)
    await page
      .getByLabel("What's happening?")
      .fill(
        `A long word that must wrap: ${'x'.repeat(300)} and a link-less URL https://example.com/${'y'.repeat(200)}`,
      )
    await page.getByRole('button', { name: 'Post', exact: true }).click()
    await page.getByRole('article').first().waitFor()
    const screens = ['/', `/users/${person.username}`, '/notifications', '/search', '/settings']
    for (const path of screens) {
      await page.goto(path)
      await page.getByRole('main').waitFor()
      expect(await scrollsSideways(page), path).toBe(false)
    }
    await context.close()

    // The moderators' screens, with their longer navigation, on the same screen.
    const moderator = await openPerson(browser, PHONE)
    const admin = adminCredentials()
    await logIn(moderator.page, admin.username, admin.password)
    for (const path of ['/admin/users', '/admin/reports', '/admin/audit-log', '/login']) {
      await moderator.page.goto(path)
      await moderator.page.getByRole('main').waitFor()
      // Until each list has its first page: the layout with the content in it is what counts.
      await expect.poll(() => moderator.page.locator('.more [role="status"]').count()).toBe(0)
      expect(await scrollsSideways(moderator.page), path).toBe(false)
    }
    await moderator.context.close()
  })
})
