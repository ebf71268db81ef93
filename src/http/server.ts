import type { Server } from 'node:http';
import { type ServerType, serve } from '@hono/node-server';
import type { Hono } from 'hono';
import { FlowfullConfigError } from '../errors.js';
import type { Logger } from '../log/logger.js';

export interface ListenOptions {
  port: number;
  host: string;
}

export interface RunningServer {
  server: ServerType;
  port: number;
  /** Stops accepting, lets in-flight requests finish within timeoutMs, then drops what is left. */
  close(timeoutMs: number): Promise<void>;
}

export function listen(app: Hono, options: ListenOptions): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port: options.port, hostname: options.host }, (info) => {
      resolve({ server, port: info.port, close: (timeoutMs) => closeServer(server as Server, timeoutMs) });
    });
    server.once('error', reject);
  });
}

function closeServer(server: Server, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), timeoutMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    // Keep-alive sockets with no request in flight would hold close() open until they time out.
    server.closeIdleConnections();
  });
}

export interface ShutdownOptions {
  server: RunningServer;
  timeoutMs: number;
  logger: Logger;
  /** Closed in order after the server has drained: database, cache, … */
  resources: Array<{ name: string; close: () => Promise<void> }>;
  signals?: NodeJS.Signals[];
}

/** SIGTERM/SIGINT: stop accepting, drain in-flight requests within the bound, then close resources. */
export function installGracefulShutdown(options: ShutdownOptions): () => Promise<void> {
  if (!Number.isFinite(options.timeoutMs) || options.timeoutMs < 0)
    throw new FlowfullConfigError('installGracefulShutdown: timeoutMs must be a number of ms >= 0');
  let shuttingDown: Promise<void> | undefined;
  const shutdown = () => {
    shuttingDown ??= (async () => {
      options.logger.info({ timeoutMs: options.timeoutMs }, 'shutting down');
      await options.server.close(options.timeoutMs);
      for (const resource of options.resources) {
        try {
          await resource.close();
        } catch (err) {
          options.logger.warn({ resource: resource.name, err: (err as Error).name }, 'close failed');
        }
      }
      options.logger.info('shutdown complete');
    })();
    return shuttingDown;
  };
  for (const signal of options.signals ?? (['SIGTERM', 'SIGINT'] as NodeJS.Signals[])) {
    process.once(signal, () => {
      void shutdown().then(() => process.exit(0));
    });
  }
  return shutdown;
}
