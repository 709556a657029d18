import { mkdirSync } from 'node:fs'
import { join } from 'node:path'

import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core'

import { baseUrl } from '../../e2e/support/api.js'

/** Debian's chromium package; playwright-core never downloads a browser of its own. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** Git-ignored: screenshots of every open page when a test fails. */
const failuresDir = join(import.meta.dirname, '..', 'failures')

export const DESKTOP = { width: 1280, height: 900 }
export const PHONE = { width: 390, height: 844 }

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    // As root (CI, containers) Chromium refuses to start with its sandbox.
    args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
  })
}

/** A person's own browser profile: separate storage, so separate sessions. */
export async function openPerson(
  browser: Browser,
  viewport: { width: number; height: number } = DESKTOP,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport, baseURL: baseUrl })
  const page = await context.newPage()
  // Any script error or CSP violation in the client is a failure worth seeing in the report.
  page.on('pageerror', (error) => console.error(`[browser] page error: ${error.message}`))
  page.on('console', (message) => {
    if (message.type() === 'error') console.error(`[browser] console: ${message.text()}`)
  })
  return { context, page }
}

/** Saves a screenshot of every page of `browser` under tests/browser/failures/<test>/. */
export async function screenshotAll(browser: Browser, testName: string): Promise<void> {
  const dir = join(failuresDir, testName.replace(/[^\w-]+/g, '-').slice(0, 80))
  mkdirSync(dir, { recursive: true })
  let index = 0
  for (const context of browser.contexts()) {
    for (const page of context.pages()) {
      index += 1
      const name = `${index}-${new URL(page.url()).pathname.replace(/\W+/g, '_')}.png`
      await page.screenshot({ path: join(dir, name), fullPage: true }).catch(() => undefined)
    }
  }
  console.error(`[browser] screenshots of the failure: ${dir}`)
}

/** Logs in through the client's own form and waits for the home feed. */
export async function logIn(page: Page, login: string, password: string): Promise<void> {
  await page.goto('/login')
  await page.getByLabel('Username or email').fill(login)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Log in' }).click()
  await page.getByRole('heading', { name: 'Home' }).waitFor()
}

/** True when the page is wider than the viewport (a horizontal scroll bar). */
export function scrollsSideways(page: Page): Promise<boolean> {
  return page.evaluate(
    () => document.documentElement.scrollWidth > document.documentElement.clientWidth,
  )
}
