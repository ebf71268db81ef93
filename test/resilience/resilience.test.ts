import { describe, expect, it, vi } from 'vitest';
import { FlowfullConfigError } from '../../src/errors.js';
import {
  CircuitBreaker,
  LatencyWindow,
  ManualClock,
  points,
  SingleFlight,
} from '../../src/resilience/index.js';

describe('CircuitBreaker', () => {
  it('opens after the threshold, lets exactly one probe through after the cooldown, closes on success', () => {
    const clock = new ManualClock();
    const changes: string[] = [];
    const breaker = new CircuitBreaker({
      threshold: 3,
      cooldownMs: 1000,
      clock,
      onChange: (s) => changes.push(s),
    });
    breaker.failure();
    breaker.failure();
    expect(breaker.state).toBe('closed');
    breaker.failure();
    expect(breaker.state).toBe('open');
    expect(breaker.allow()).toBe(false);
    expect(breaker.retryAfterSeconds()).toBe(1);
    clock.advance(1000);
    expect(breaker.state).toBe('half_open');
    expect(breaker.allow()).toBe(true);
    expect(breaker.allow()).toBe(false);
    breaker.success();
    expect(breaker.state).toBe('closed');
    expect(breaker.allow()).toBe(true);
    expect(changes).toEqual(['open', 'closed']);
    expect(breaker.opened).toBe(1);
  });

  it('a failed probe reopens for a whole cooldown', () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker({ threshold: 1, cooldownMs: 500, clock });
    breaker.failure();
    clock.advance(500);
    expect(breaker.allow()).toBe(true);
    breaker.failure();
    expect(breaker.state).toBe('open');
    clock.advance(499);
    expect(breaker.allow()).toBe(false);
    clock.advance(1);
    expect(breaker.allow()).toBe(true);
  });

  it('a released probe lets the next caller probe', () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker({ threshold: 1, cooldownMs: 10, clock });
    breaker.failure();
    clock.advance(10);
    expect(breaker.allow()).toBe(true);
    breaker.release();
    expect(breaker.allow()).toBe(true);
  });

  it('success resets the consecutive count', () => {
    const breaker = new CircuitBreaker({ threshold: 2, cooldownMs: 10 });
    breaker.failure();
    breaker.success();
    breaker.failure();
    expect(breaker.state).toBe('closed');
  });

  it('with initialCooldownMs: the cooldown starts short, doubles per failed probe up to cooldownMs, resets on close', () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker({ threshold: 1, cooldownMs: 1000, initialCooldownMs: 250, clock });
    breaker.failure();
    expect(breaker.retryAfterSeconds()).toBe(0.25);
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      waits.push(breaker.retryAfterSeconds() * 1000);
      clock.advance(breaker.retryAfterSeconds() * 1000);
      expect(breaker.state).toBe('half_open');
      expect(breaker.allow()).toBe(true);
      breaker.failure(); // the probe failed
    }
    expect(waits).toEqual([250, 500, 1000, 1000]);
    clock.advance(1000);
    expect(breaker.allow()).toBe(true);
    breaker.success();
    breaker.failure();
    expect(breaker.retryAfterSeconds()).toBe(0.25); // a new outage starts short again
    expect(() => new CircuitBreaker({ cooldownMs: 100, initialCooldownMs: 200 })).toThrow(
      FlowfullConfigError,
    );
  });

  it('endCooldown(): a health check that saw the dependency back lets the next caller probe at once', () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker({ threshold: 1, cooldownMs: 60_000, clock });
    breaker.endCooldown(); // closed: nothing to do
    expect(breaker.state).toBe('closed');
    breaker.failure();
    expect(breaker.allow()).toBe(false);
    breaker.endCooldown();
    expect(breaker.state).toBe('half_open');
    expect(breaker.allow()).toBe(true);
    expect(breaker.allow()).toBe(false); // still exactly one probe
    breaker.success();
    expect(breaker.state).toBe('closed');
  });

  it('refuses invalid options at construction with FlowfullConfigError', () => {
    expect(() => new CircuitBreaker({ threshold: 0 })).toThrow(FlowfullConfigError);
    expect(() => new CircuitBreaker({ cooldownMs: -1 })).toThrow(/cooldownMs/);
  });
});

describe('LatencyWindow', () => {
  it('summarises count, mean and percentiles over the window', () => {
    const window = new LatencyWindow(100);
    expect(window.summary()).toEqual({ count: 0, mean: 0 });
    for (let i = 1; i <= 100; i++) window.record(i);
    const summary = window.summary();
    expect(summary.count).toBe(100);
    expect(summary.mean).toBe(50.5);
    expect(summary.p50).toBe(51);
    expect(summary.p99).toBe(100);
    expect(window.sum).toBe(5050);
  });

  it('keeps only the last N samples for percentiles, every sample for the count', () => {
    const window = new LatencyWindow(4);
    for (const ms of [100, 100, 100, 100, 1, 1, 1, 1]) window.record(ms);
    expect(window.summary()).toMatchObject({ count: 8, p50: 1, p99: 1 });
  });

  it('refuses a size below 1', () => {
    expect(() => new LatencyWindow(0)).toThrow(FlowfullConfigError);
  });
});

describe('SingleFlight', () => {
  it('shares one call among concurrent callers of a key and forgets it when settled', async () => {
    const flight = new SingleFlight<string, number>();
    const fn = vi.fn(async () => {
      await new Promise((r) => setTimeout(r, 5));
      return 42;
    });
    const results = await Promise.all(Array.from({ length: 100 }, () => flight.run('k', fn)));
    expect(results.every((r) => r === 42)).toBe(true);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(flight.size).toBe(0);
    await flight.run('k', fn);
    expect(fn).toHaveBeenCalledTimes(2);
  });

  it('shares a rejection and then lets a new call start', async () => {
    const flight = new SingleFlight<string, number>();
    let calls = 0;
    const failing = () => {
      calls++;
      return Promise.reject(new Error('down'));
    };
    const both = await Promise.allSettled([flight.run('k', failing), flight.run('k', failing)]);
    expect(both.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(calls).toBe(1);
    await expect(flight.run('k', async () => 1)).resolves.toBe(1);
  });

  it('turns a synchronous throw into a rejection', async () => {
    const flight = new SingleFlight<string, number>();
    await expect(
      flight.run('k', () => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    expect(flight.size).toBe(0);
  });

  it('forget() detaches the call in flight so the next caller starts anew', async () => {
    const flight = new SingleFlight<string, number>();
    let release!: (v: number) => void;
    const first = flight.run('k', () => new Promise<number>((r) => (release = r)));
    flight.forget('k');
    const second = flight.run('k', async () => 2);
    release(1);
    expect(await first).toBe(1);
    expect(await second).toBe(2);
  });
  it('tells a call it was detached by forget() or forgetAll()', async () => {
    const flight = new SingleFlight<string, boolean>();
    const gate = () => new Promise<void>((r) => setTimeout(r, 5));
    const one = flight.run('a', async (f) => {
      await gate();
      return f.detached;
    });
    const two = flight.run('b', async (f) => {
      await gate();
      return f.detached;
    });
    const kept = flight.run('c', async (f) => {
      await gate();
      return f.detached;
    });
    flight.forget('a');
    expect(flight.size).toBe(2);
    expect(await one).toBe(true);
    expect(await kept).toBe(false);
    expect(await two).toBe(false);
    const three = flight.run('d', async (f) => {
      await gate();
      return f.detached;
    });
    flight.forgetAll();
    expect(await three).toBe(true);
    expect(flight.size).toBe(0);
  });

  it('holdUntil() keeps an early answer joinable until the work behind it ends', async () => {
    const flight = new SingleFlight<string, string>();
    let finish!: () => void;
    const work = new Promise<void>((r) => (finish = r));
    let calls = 0;
    const fn = async (f: { holdUntil(w: Promise<unknown>): void }) => {
      calls++;
      f.holdUntil(work);
      return 'early';
    };
    expect(await flight.run('k', fn)).toBe('early');
    expect(await flight.run('k', fn)).toBe('early'); // joined: the work is still going on
    expect(calls).toBe(1);
    expect(flight.size).toBe(1);
    finish();
    await work;
    await new Promise((r) => setTimeout(r, 0));
    expect(flight.size).toBe(0);
    expect(await flight.run('k', fn)).toBe('early');
    expect(calls).toBe(2);
  });
});

describe('points', () => {
  it('names every point with the component prefix and merges base labels with its own', () => {
    const { counter, gauge, latency } = points('flowfull_x_', { namespace: 'users' });
    expect(counter('hits_total', 'Hits', 3, { tier: 'l1' })).toEqual({
      name: 'flowfull_x_hits_total',
      help: 'Hits',
      type: 'counter',
      value: 3,
      labels: { namespace: 'users', tier: 'l1' },
    });
    expect(gauge('entries', 'Entries', 2)).toMatchObject({ type: 'gauge', labels: { namespace: 'users' } });
    const window = new LatencyWindow(4);
    expect(latency('latency_ms', 'Latency', window)).toMatchObject({ type: 'latency', window });
    expect(points('flowfull_y_').gauge('up', 'Up', 1)).not.toHaveProperty('labels');
  });
});
