import type { EmailTemplate } from '@chatty/contracts'

export interface RenderedEmail {
  subject: string
  text: string
  html: string
}

export interface RenderOptions {
  /** Where Chatty is reached, without a trailing slash. */
  publicUrl: string
}

/** The command cannot become an email whatever happens; retrying it is pointless. */
export class TemplateParamsError extends Error {
  override name = 'TemplateParamsError'
}

type Params = Readonly<Record<string, string>>

/** Renders one of the transactional emails; every param is HTML-escaped in the HTML part. */
export function renderEmail(
  template: EmailTemplate,
  params: Params,
  options: RenderOptions,
): RenderedEmail {
  switch (template) {
    case 'verify-email':
      return verifyEmail(params, options)
    case 'password-reset':
      return passwordReset(params, options)
    case 'password-changed':
      return passwordChanged(params, options)
    case 'welcome':
      return welcome(params, options)
    case 'account-banned':
      return accountBanned(params, options)
  }
}

export function escapeHtml(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;')
}

function verifyEmail(params: Params, { publicUrl }: RenderOptions): RenderedEmail {
  const { code } = required(params, 'verify-email', ['code'])
  const link = safeLink(params.link ?? `${publicUrl}/verify-email`, 'link')
  const name = greetingName(params)
  return {
    subject: 'Verify your Chatty email address',
    text: [
      `Hi ${name},`,
      '',
      'Your Chatty verification code is:',
      '',
      `    ${code}`,
      '',
      `Enter it in Chatty, or open this link: ${link}`,
      '',
      'The code expires in 30 minutes. If you did not sign up for Chatty, ignore this email.',
    ].join('\n'),
    html: layout([
      `<p>Hi ${escapeHtml(name)},</p>`,
      '<p>Your Chatty verification code is:</p>',
      `<p style="font-size:32px;font-weight:bold;letter-spacing:6px;font-family:monospace">${escapeHtml(code)}</p>`,
      `<p>Enter it in Chatty, or <a href="${escapeHtml(link)}">verify your email address</a>.</p>`,
      '<p>The code expires in 30 minutes. If you did not sign up for Chatty, ignore this email.</p>',
    ]),
  }
}

function passwordReset(params: Params, { publicUrl }: RenderOptions): RenderedEmail {
  const link = params.link
    ? safeLink(params.link, 'link')
    : params.token
      ? `${publicUrl}/reset-password?token=${encodeURIComponent(params.token)}`
      : missing('password-reset', ['link'])
  const name = greetingName(params)
  return {
    subject: 'Reset your Chatty password',
    text: [
      `Hi ${name},`,
      '',
      'Someone asked to reset the password of your Chatty account. To choose a new one, open:',
      '',
      link,
      '',
      'The link works once and expires in 30 minutes. If it was not you, ignore this email:',
      'your password stays as it is.',
    ].join('\n'),
    html: layout([
      `<p>Hi ${escapeHtml(name)},</p>`,
      '<p>Someone asked to reset the password of your Chatty account.</p>',
      `<p><a href="${escapeHtml(link)}">Choose a new password</a></p>`,
      `<p>Or paste this link into your browser: ${escapeHtml(link)}</p>`,
      '<p>The link works once and expires in 30 minutes. If it was not you, ignore this email: your password stays as it is.</p>',
    ]),
  }
}

function passwordChanged(params: Params, { publicUrl }: RenderOptions): RenderedEmail {
  const name = greetingName(params)
  const link = `${publicUrl}/forgot-password`
  return {
    subject: 'Your Chatty password was changed',
    text: [
      `Hi ${name},`,
      '',
      'The password of your Chatty account was just changed, and your other sessions were signed out.',
      '',
      'If that was not you, reset your password at once:',
      '',
      link,
    ].join('\n'),
    html: layout([
      `<p>Hi ${escapeHtml(name)},</p>`,
      '<p>The password of your Chatty account was just changed, and your other sessions were signed out.</p>',
      `<p>If that was not you, <a href="${escapeHtml(link)}">reset your password</a> at once.</p>`,
    ]),
  }
}

function welcome(params: Params, { publicUrl }: RenderOptions): RenderedEmail {
  const name = greetingName(params)
  const link = `${publicUrl}/`
  return {
    subject: 'Welcome to Chatty',
    text: [
      `Hi ${name},`,
      '',
      'Your email address is verified and your Chatty account is ready.',
      'Follow people, post, and find your home feed at:',
      '',
      link,
    ].join('\n'),
    html: layout([
      `<p>Hi ${escapeHtml(name)},</p>`,
      '<p>Your email address is verified and your Chatty account is ready.</p>',
      `<p>Follow people, post, and find your home feed on <a href="${escapeHtml(link)}">Chatty</a>.</p>`,
    ]),
  }
}

function accountBanned(params: Params, _options: RenderOptions): RenderedEmail {
  const { reason } = required(params, 'account-banned', ['reason'])
  const name = greetingName(params)
  const until = params.until ? formatInstant(params.until) : undefined
  const duration = until ? `until ${until}` : 'until further notice'
  return {
    subject: 'Your Chatty account has been suspended',
    text: [
      `Hi ${name},`,
      '',
      `Your Chatty account has been suspended ${duration}.`,
      '',
      `Reason: ${reason}`,
      '',
      'While it is suspended you cannot sign in, and your posts are hidden.',
    ].join('\n'),
    html: layout([
      `<p>Hi ${escapeHtml(name)},</p>`,
      `<p>Your Chatty account has been suspended ${escapeHtml(duration)}.</p>`,
      `<p><strong>Reason:</strong> ${escapeHtml(reason)}</p>`,
      '<p>While it is suspended you cannot sign in, and your posts are hidden.</p>',
    ]),
  }
}

function required<const K extends string>(
  params: Params,
  template: EmailTemplate,
  names: readonly K[],
): Record<K, string> {
  const absent = names.filter((name) => !params[name]?.trim())
  if (absent.length > 0) missing(template, absent)
  return params as Record<K, string>
}

function missing(template: EmailTemplate, names: string[]): never {
  throw new TemplateParamsError(`${template} needs the params ${names.join(', ')}`)
}

function greetingName(params: Params): string {
  return params.displayName?.trim() || params.username?.trim() || 'there'
}

/** Only web links: a `javascript:` or `data:` URL must never become a button in an email. */
function safeLink(value: string, param: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new TemplateParamsError(`param ${param} is not an absolute URL`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new TemplateParamsError(`param ${param} must be an http(s) URL`)
  }
  return url.href
}

function formatInstant(value: string): string {
  const time = Date.parse(value)
  if (Number.isNaN(time)) return value
  return `${new Date(time).toISOString().slice(0, 16).replace('T', ' ')} UTC`
}

function layout(paragraphs: string[]): string {
  return [
    '<!doctype html>',
    '<html><body style="font-family:Arial,Helvetica,sans-serif;color:#1a1a1a;line-height:1.5">',
    '<div style="max-width:560px;margin:0 auto;padding:24px">',
    ...paragraphs,
    '<p style="color:#777;font-size:12px">Chatty</p>',
    '</div></body></html>',
  ].join('\n')
}
