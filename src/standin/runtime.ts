import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Logger } from '../log/logger.js';
import type { FaultState } from './faults.js';
import { faultBody, NON_JSON_BODY } from './responses.js';
import type { StatsRecorder } from './stats.js';
import type { StandinStore } from './store.js';
import type { FaultRoute, ResponseStyle } from './types.js';

/** Everything the routes share; one per stand-in instance. */
export interface StandinRuntime {
  store: StandinStore;
  bridgeSecret: string;
  sessionTtlSeconds: number;
  faults: FaultState;
  stats: StatsRecorder;
  logger: Logger;
  style: ResponseStyle;
  override: Record<string, unknown> | null;
}

/**
 * Runs the planned faults for one call: waits (latency, hang), then returns the fault's answer,
 * or undefined when the route should answer normally.
 */
export async function answerFaults(
  c: Context,
  runtime: StandinRuntime,
  route: FaultRoute,
): Promise<Response | undefined> {
  const plan = runtime.faults.plan(route);
  try {
    await runtime.faults.delay(plan, c.req.raw.signal);
  } catch {
    // The client went away or the stand-in is closing: nobody reads this answer.
    return c.body(null, 503);
  }
  if (!plan.answer) return undefined;
  runtime.logger.debug({ route, fault: plan.answer.kind }, 'answering with a fault');
  if (plan.answer.kind === 'nonJson') return c.html(NON_JSON_BODY, 200);
  const { status } = plan.answer;
  if (status === 429 || status === 503) c.header('Retry-After', '1');
  return c.json(faultBody(status), status as ContentfulStatusCode);
}
