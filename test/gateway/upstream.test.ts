import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createUpstreamClient } from '../../src/gateway/index.js';

/**
 * A server that answers the first request of each connection with keep-alive, then resets the
 * connection when a second request arrives on it: what a Flowless closing an idle connection looks
 * like to a client that has just reused it.
 */
function resettingServer(): Promise<{
  url: string;
  connections: () => number;
  requests: string[];
  close(): void;
}> {
  let connections = 0;
  const requests: string[] = [];
  const server = net.createServer((socket) => {
    connections++;
    let served = 0;
    let buffer = '';
    socket.on('data', (data) => {
      buffer += data.toString('latin1');
      while (buffer.includes('\r\n\r\n')) {
        const head = buffer.slice(0, buffer.indexOf('\r\n\r\n'));
        buffer = buffer.slice(buffer.indexOf('\r\n\r\n') + 4);
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
        buffer = buffer.slice(length);
        requests.push(head.split('\r\n')[0]!);
        if (served++ > 0) {
          socket.resetAndDestroy();
          return;
        }
        socket.write(
          'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\n{}',
        );
      }
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        connections: () => connections,
        requests,
        close: () => server.close(),
      });
    });
  });
}

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

const init = (method: string, body: string | null) => ({
  method,
  headers: new Headers({ 'content-type': 'application/json' }),
  body: body === null ? null : new Blob([body]).stream(),
  signal: AbortSignal.timeout(3000),
});

describe('upstream client: a kept-alive connection Flowless has closed', () => {
  it('sends a GET again, once, on a new connection', async () => {
    const server = await resettingServer();
    const client = createUpstreamClient();
    cleanups.push(server.close, client.close);
    expect((await client.fetch(`${server.url}/auth/me`, init('GET', null))).status).toBe(200);
    const again = await client.fetch(`${server.url}/auth/me`, init('GET', null));
    expect(again.status).toBe(200);
    expect(server.connections()).toBe(2);
    expect(server.requests).toEqual([
      'GET /auth/me HTTP/1.1',
      'GET /auth/me HTTP/1.1',
      'GET /auth/me HTTP/1.1',
    ]);
  });

  it('never sends a POST twice: the failure is reported instead', async () => {
    const server = await resettingServer();
    const client = createUpstreamClient();
    cleanups.push(server.close, client.close);
    expect((await client.fetch(`${server.url}/auth/login`, init('POST', '{}'))).status).toBe(200);
    await expect(client.fetch(`${server.url}/auth/login`, init('POST', '{}'))).rejects.toThrow();
    // No second connection: the POST was not sent again.
    expect(server.connections()).toBe(1);
  });
});
