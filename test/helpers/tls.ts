import {readFileSync} from 'node:fs';
import tls from 'node:tls';

export interface HandshakeOptions {
  /** Server side: its certificate and key, and the CA it requires client certificates from. */
  serverCert: string;
  serverKey: string;
  clientCa: string;
  /** Client side: the CA it trusts for the server, the name it expects, and its own certificate. */
  serverCa: string;
  servername: string;
  client?: [cert: string, key: string];
}

/**
 * One TLS connection on 127.0.0.1 with a client certificate required. Resolves to "CN|O,O" as the
 * server verified it; rejects when either side refuses the other.
 */
export async function handshake(opts: HandshakeOptions): Promise<string> {
  const read = (path: string) => readFileSync(path);
  const server = tls.createServer({
    cert: read(opts.serverCert), key: read(opts.serverKey), ca: read(opts.clientCa), requestCert: true, rejectUnauthorized: false,
  }, socket => {
    // The server's TLS stack verified the client; report its verdict instead of just hanging up.
    if (!socket.authorized) return void socket.end(`REFUSED ${socket.authorizationError}`);
    const peer = socket.getPeerCertificate();
    socket.end(`${peer.subject?.CN}|${[peer.subject?.O ?? []].flat().join(',')}`);
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as {port: number}).port;
  try {
    return await new Promise<string>((resolve, reject) => {
      const socket = tls.connect({
        host: '127.0.0.1', port, servername: opts.servername, ca: read(opts.serverCa),
        cert: opts.client && read(opts.client[0]), key: opts.client && read(opts.client[1]),
      });
      let data = '';
      socket.setTimeout(10_000, () => socket.destroy(new Error('timed out')));
      socket.on('data', d => { data += d; });
      socket.on('end', () => (data.startsWith('REFUSED') ? reject(new Error(`server refused the client: ${data}`)) : resolve(data)));
      socket.on('error', reject);
    });
  } finally {
    server.close();
  }
}
