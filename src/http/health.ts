import { Hono } from 'hono';
import { AppError } from '../errors.js';
import { ok } from '../wire/envelope.js';
import type { ComponentReport, ReadinessCheck } from '../wire/readiness.js';
import { sendError } from './errors.js';

export type { ComponentReport, ComponentStatus, ReadinessCheck } from '../wire/readiness.js';

const PROBE_TIMEOUT_MS = 2000;

async function runCheck(check: ReadinessCheck): Promise<ComponentReport> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ComponentReport>((resolve) => {
    timer = setTimeout(() => resolve({ status: 'down', reason: 'timeout' }), PROBE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([check.check(), timeout]);
  } catch {
    return { status: 'down', reason: 'error' };
  } finally {
    clearTimeout(timer);
  }
}

/** GET /health (liveness: the process answers) and GET /health/ready (dependencies answer). */
export function createHealthRoutes(checks: () => ReadinessCheck[]): Hono {
  const routes = new Hono();
  routes.get('/health', (c) => ok(c, { status: 'ok' }));
  routes.get('/health/ready', async (c) => {
    const list = checks();
    const reports = await Promise.all(list.map(runCheck));
    const components: Record<string, ComponentReport> = {};
    let failing = false;
    let degraded = false;
    list.forEach((check, i) => {
      const report = reports[i]!;
      components[check.name] = report;
      if (report.status === 'down' && check.critical !== false) failing = true;
      else if (report.status === 'down' || report.status === 'degraded') degraded = true;
    });
    if (failing) {
      return sendError(c, new AppError('NOT_READY', undefined, { details: { components } }));
    }
    return ok(c, { status: degraded ? 'degraded' : 'ready', components });
  });
  return routes;
}
