import { connect, createServer, type Socket } from 'node:net'

/** A TCP forwarder whose link can be cut and restored, to take a broker or a database away. */
export interface TcpProxy {
  port: number
  /** Drops every open connection and refuses new ones until `restore()`. */
  cut(): void
  restore(): void
  /**
   * Keeps the connections open but stops passing bytes from the target to the clients (a broker
   * that has gone quiet: no confirms, no errors) until `release()`, which delivers them.
   */
  hold(): void
  release(): void
  close(): Promise<void>
}

/** Forwards 127.0.0.1:`listenPort` (a free port when 0) to `target`. */
export async function createTcpProxy(
  target: { host: string; port: number },
  listenPort = 0,
): Promise<TcpProxy> {
  const sockets = new Set<Socket>()
  const held: (() => void)[] = []
  let open = true
  let holding = false
  const track = (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  }
  const server = createServer((client) => {
    track(client)
    if (!open) return client.destroy()
    const upstream = connect(target.port, target.host)
    track(upstream)
    client.pipe(upstream)
    upstream.on('data', (chunk: Buffer) => {
      if (holding) held.push(() => client.write(chunk))
      else client.write(chunk)
    })
    client.on('error', () => upstream.destroy())
    upstream.on('error', () => client.destroy())
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(listenPort, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address()
  if (!address || typeof address === 'string') throw new Error('proxy has no port')
  const cut = () => {
    open = false
    for (const socket of sockets) socket.destroy()
  }
  return {
    port: address.port,
    cut,
    restore: () => {
      open = true
    },
    hold: () => {
      holding = true
    },
    release: () => {
      holding = false
      for (const deliver of held.splice(0)) deliver()
    },
    close: () => {
      cut()
      return new Promise((resolve) => server.close(() => resolve()))
    },
  }
}
