import { describe, expect, it } from 'vitest'

import { stripSyslogHeader } from './access-log.js'

describe('stripSyslogHeader', () => {
  it('leaves the access log line nginx sent over syslog', () => {
    expect(stripSyslogHeader('<190>Nov  1 03:44:37 nginx: 127.0.0.1 "GET / HTTP/1.1" 404')).toBe(
      '127.0.0.1 "GET / HTTP/1.1" 404',
    )
    expect(stripSyslogHeader('<190>Nov 21 03:44:37 host nginx: line\n')).toBe('line')
  })
})
