import { describe, expect, it } from 'vitest'

import { escapeHtml, renderEmail, TemplateParamsError } from './templates.js'

const options = { publicUrl: 'https://chatty.example' }
const hostile = `<script>alert("x")</script> & 'friends'`
const escaped = '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;friends&#39;'

describe('renderEmail', () => {
  it('shows the verification code and link in both parts', () => {
    const link = 'https://chatty.example/verify-email?email=ann%40example.test&code=123456'
    const email = renderEmail('verify-email', { code: '123456', link, displayName: 'Ann' }, options)
    expect(email.subject).toBe('Verify your Chatty email address')
    expect(email.text).toContain('Hi Ann,')
    expect(email.text).toContain('    123456\n')
    expect(email.text).toContain(link)
    expect(email.html).toMatch(/<p style="font-size:32px[^"]*">123456<\/p>/)
    expect(email.html).toContain(`href="${link.replaceAll('&', '&amp;')}"`)
  })

  it('links verification to the public site when the command carries no link', () => {
    const email = renderEmail('verify-email', { code: '654321' }, options)
    expect(email.text).toContain('https://chatty.example/verify-email')
    expect(email.text).toContain('Hi there,')
  })

  it('builds the reset link from a token, or uses the link given', () => {
    const fromToken = renderEmail('password-reset', { token: 'a b/c' }, options)
    expect(fromToken.text).toContain('https://chatty.example/reset-password?token=a%20b%2Fc')
    const fromLink = renderEmail(
      'password-reset',
      { link: 'https://chatty.example/reset-password?token=t0k', username: 'bob' },
      options,
    )
    expect(fromLink.subject).toBe('Reset your Chatty password')
    expect(fromLink.text).toContain('Hi bob,')
    expect(fromLink.html).toContain('href="https://chatty.example/reset-password?token=t0k"')
  })

  it('welcomes by display name and links the site', () => {
    const email = renderEmail('welcome', { displayName: 'Ann', username: 'ann' }, options)
    expect(email.subject).toBe('Welcome to Chatty')
    expect(email.text).toContain('Hi Ann,')
    expect(email.html).toContain('href="https://chatty.example/"')
  })

  it('tells of a password change and links the reset page for someone it was not', () => {
    const email = renderEmail('password-changed', { username: 'ann' }, options)
    expect(email.subject).toBe('Your Chatty password was changed')
    expect(email.text).toContain('Hi ann,')
    expect(email.text).toContain('https://chatty.example/forgot-password')
    expect(email.html).toContain('href="https://chatty.example/forgot-password"')
  })

  it('tells a banned user the reason and until when', () => {
    const email = renderEmail(
      'account-banned',
      { reason: 'spam', until: '2026-12-01T10:30:00.000Z' },
      options,
    )
    expect(email.subject).toBe('Your Chatty account has been suspended')
    expect(email.text).toContain('suspended until 2026-12-01 10:30 UTC.')
    expect(email.text).toContain('Reason: spam')
    expect(email.html).toContain('<strong>Reason:</strong> spam')
    const open = renderEmail('account-banned', { reason: 'spam' }, options)
    expect(open.text).toContain('suspended until further notice.')
  })

  it('escapes every param in the HTML part and keeps the text part verbatim', () => {
    const emails = [
      renderEmail('verify-email', { code: hostile, displayName: hostile }, options),
      renderEmail('password-reset', { token: 'x', displayName: hostile }, options),
      renderEmail('welcome', { displayName: hostile }, options),
      renderEmail('password-changed', { displayName: hostile }, options),
      renderEmail(
        'account-banned',
        { reason: hostile, until: hostile, displayName: hostile },
        options,
      ),
    ]
    for (const email of emails) {
      expect(email.html).not.toContain('<script>')
      expect(email.html).toContain(escaped)
      expect(email.text).toContain(hostile)
    }
  })

  it.each([
    ['verify-email', {}, /verify-email needs the params code/],
    ['verify-email', { code: '   ' }, /code/],
    ['password-reset', {}, /password-reset needs the params link/],
    ['account-banned', { until: '2026-12-01T00:00:00Z' }, /account-banned needs the params reason/],
  ] as const)('refuses %s without its required params %j', (template, params, message) => {
    expect(() => renderEmail(template, params, options)).toThrow(TemplateParamsError)
    expect(() => renderEmail(template, params, options)).toThrow(message)
  })

  it('refuses links that are not web URLs', () => {
    for (const link of ['javascript:alert(1)', 'data:text/html,hi', '/relative', 'not a url']) {
      expect(() => renderEmail('verify-email', { code: '1', link }, options)).toThrow(
        TemplateParamsError,
      )
      expect(() => renderEmail('password-reset', { link }, options)).toThrow(TemplateParamsError)
    }
  })
})

describe('escapeHtml', () => {
  it('escapes the five significant characters', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;',
    )
  })
})
