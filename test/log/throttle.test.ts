import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { AppError, FlowfullConfigError } from '../../src/errors.js';
import { createApp } from '../../src/http/index.js';
import { createLogThrottle } from '../../src/log/throttle.js';
import { captureLogger } from '../support/log-capture.js';

describe('log throttle', () => {
  it('logs a key once per interval, then once more with how many were left out', () => {
    const { logger, lines } = captureLogger();
    let t = 0;
    const throttle = createLogThrottle(logger, { intervalMs: 1000, now: () => t });
    for (let i = 0; i < 500; i++) throttle.log('warn', 'redis-down', { n: i }, 'Redis unavailable');
    throttle.log('error', 'defect', {}, 'a bug');
    expect(lines()).toHaveLength(2);
    t = 1000;
    expect(throttle.log('warn', 'redis-down', {}, 'Redis unavailable')).toBe(true);
    const last = JSON.parse(lines().at(-1)!);
    expect(last).toMatchObject({ level: 40, repeated: 499, msg: 'Redis unavailable' });
    expect(JSON.parse(lines()[1]!)).toMatchObject({ level: 50, msg: 'a bug' });
    expect(() => createLogThrottle(logger, { intervalMs: -1 })).toThrow(FlowfullConfigError);
  });

  it('the HTTP shell: a 503 flood at LOG_LEVEL=warn is one warn line; a defect logs at error', async () => {
    const { logger, lines } = captureLogger('warn');
    const config = parseConfig({ NODE_ENV: 'test' }).config!;
    const app = createApp({ config, logger });
    app.get('/down', () => {
      throw new AppError('AUTH_UNAVAILABLE', 'Authentication service unavailable');
    });
    app.get('/bug', () => {
      throw new Error('boom');
    });
    for (let i = 0; i < 200; i++) expect((await app.request('/down')).status).toBe(503);
    expect((await app.request('/bug')).status).toBe(500);
    const levels = lines().map((line) => JSON.parse(line).level);
    expect(levels).toEqual([40, 50]);
  });
});
