import { createSocket } from 'node:dgram'

export interface AccessLogReceiver {
  /** The value of an nginx `access_log` destination that sends lines here. */
  destination: string
  close(): Promise<void>
}

// <PRI>Mmm dd hh:mm:ss tag: message (nginx's syslog output with nohostname).
const SYSLOG_HEADER = /^<\d+>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d (?:\S+ )?[\w.-]+: /

export function stripSyslogHeader(datagram: string): string {
  return datagram.replace(SYSLOG_HEADER, '').replace(/\n$/, '')
}

/**
 * nginx's access log for the local stack. nginx opens /dev/stdout by path, which fails when its
 * stdout is the socket pair Node gives a child, so it sends the lines over syslog (UDP on
 * loopback) to the runner instead.
 */
export async function startAccessLogReceiver(
  onLine: (line: string) => void,
): Promise<AccessLogReceiver> {
  const socket = createSocket('udp4')
  socket.on('message', (message) => onLine(stripSyslogHeader(message.toString('utf8'))))
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject)
    socket.bind(0, '127.0.0.1', () => {
      socket.off('error', reject)
      resolve()
    })
  })
  let closing: Promise<void> | undefined
  return {
    destination: `syslog:server=127.0.0.1:${socket.address().port},tag=nginx,nohostname`,
    close() {
      closing ??= new Promise<void>((resolve) => socket.close(() => resolve()))
      return closing
    },
  }
}
