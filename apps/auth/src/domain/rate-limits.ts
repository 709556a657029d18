import type { RateLimit } from '@chatty/http'

export const limits = {
  registerPerIp: { name: 'register:ip', scope: 'ip', limit: 10, windowSeconds: 3600 },
  loginPerIp: { name: 'login:ip', scope: 'ip', limit: 60, windowSeconds: 900 },
  loginFailuresPerAccount: { name: 'login:fail', scope: 'account', limit: 5, windowSeconds: 900 },
  verifyPerIp: { name: 'verify:ip', scope: 'ip', limit: 30, windowSeconds: 900 },
  verifyPerAccount: { name: 'verify:email', scope: 'account', limit: 10, windowSeconds: 900 },
  resendPerIp: { name: 'resend:ip', scope: 'ip', limit: 20, windowSeconds: 3600 },
  resendPerAccount: { name: 'resend:email', scope: 'account', limit: 3, windowSeconds: 900 },
  forgotPerIp: { name: 'forgot:ip', scope: 'ip', limit: 20, windowSeconds: 3600 },
  forgotPerAccount: { name: 'forgot:email', scope: 'account', limit: 3, windowSeconds: 900 },
  resetPerIp: { name: 'reset:ip', scope: 'ip', limit: 30, windowSeconds: 900 },
  passwordChangeFailuresPerUser: {
    name: 'password-change:fail',
    scope: 'user',
    limit: 5,
    windowSeconds: 900,
  },
  profileWritesPerUser: { name: 'profile:write', scope: 'user', limit: 30, windowSeconds: 60 },
  deletionFailuresPerUser: { name: 'delete:fail', scope: 'user', limit: 5, windowSeconds: 900 },
} satisfies Record<string, RateLimit>
