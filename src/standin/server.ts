import { lookup } from 'node:dns/promises';
import type { Server } from 'node:http';
import { isIP } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { AppError } from '../errors.js';
import { silentLogger } from '../log/logger.js';
import { createStandinApp } from './app.js';
import type { FlowlessStandin, StandinOptions } from './types.js';

function listenOnce(server: Server, port: number, address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, address, () => {
      server.off('error', onError);
      const info = server.address();
      resolve(typeof info === 'object' && info ? info.port : port);
    });
  });
}

/** Wildcard binds are reached on loopback; IPv6 literals need brackets in a URL. */
function urlHost(address: string): string {
  if (address === '0.0.0.0') return '127.0.0.1';
  if (address === '::') return '[::1]';
  return isIP(address) === 6 ? `[${address}]` : address;
}

/**
 * Closes the listening socket and every open connection (idle, in flight, hung): clients see
 * resets now and ECONNREFUSED from then on.
 */
function stopListening(server: Server): Promise<void> {
  if (!server.listening) {
    server.closeAllConnections();
    return Promise.resolve();
  }
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  return closed;
}

/** Starts the stand-in on loopback (random port by default); resolves once it accepts connections. */
export async function startFlowlessStandin(options: StandinOptions): Promise<FlowlessStandin> {
  const logger = options.logger ?? silentLogger();
  const host = options.host ?? '127.0.0.1';
  // Listening on an address literal binds synchronously, so `refuse: false` takes effect before
  // setFaults returns and the very next request connects.
  const address = isIP(host) ? host : (await lookup(host)).address;
  const standin = createStandinApp({ ...options, logger });
  const server = createAdaptorServer({ fetch: standin.app.fetch }) as Server;
  let port: number;
  try {
    port = await listenOnce(server, options.port ?? 0, address);
  } catch (err) {
    standin.close();
    const code = (err as NodeJS.ErrnoException).code ?? 'unknown';
    throw new AppError('STANDIN_LISTEN_FAILED', `Flowless stand-in could not listen on ${host}: ${code}`, {
      cause: err,
    });
  }
  server.on('error', (err: NodeJS.ErrnoException) =>
    logger.error({ code: err.code, port }, 'stand-in could not listen again'),
  );
  let closing: Promise<void> | undefined;

  standin.faults.onRefuseChange((refuse) => {
    if (closing) return;
    if (refuse) void stopListening(server);
    else if (!server.listening) server.listen(port, address);
    logger.info({ port, refuse }, refuse ? 'stand-in refusing connections' : 'stand-in listening again');
  });
  if (standin.faults.current().refuse) void stopListening(server);

  const url = `http://${urlHost(address)}:${port}`;
  logger.info({ url }, 'Flowless stand-in listening');

  return {
    ...standin.controls,
    url,
    port,
    close() {
      closing ??= (async () => {
        standin.faults.shutdown();
        await stopListening(server);
        standin.close();
      })();
      return closing;
    },
  };
}
