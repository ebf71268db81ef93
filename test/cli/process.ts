import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The repository root, and the loader that lets plain `node` run TypeScript sources (as tsx does). */
export const ROOT = resolve(import.meta.dirname, '..', '..');
const TSX = pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A scratch working directory: no .env, and data/ lands there instead of in the checkout. */
export function scratchDir(prefix = 'flowfull-ft-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Only what a shell would give, plus `env`: the test runner's own variables stay out. */
export function cleanEnv(env: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'warn', ...env };
}

export function spare(): Promise<number> {
  return new Promise((done) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => done(port));
    });
  });
}

/** Runs `node <args>` (TypeScript through tsx) to completion, killing it after `timeoutMs`. */
export function runNode(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number; ts?: boolean } = {},
): Promise<Finished> {
  const argv = options.ts === false ? args : ['--import', TSX, ...args];
  return finish(
    spawn(process.execPath, argv, { cwd: options.cwd ?? scratchDir(), env: cleanEnv(options.env ?? {}) }),
    options.timeoutMs ?? 90_000,
  );
}

export function runShell(
  script: string,
  options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {},
): Promise<Finished> {
  return finish(
    spawn('bash', ['-c', script], { cwd: options.cwd ?? ROOT, env: cleanEnv(options.env ?? {}) }),
    options.timeoutMs ?? 120_000,
  );
}

function finish(child: ReturnType<typeof spawn>, timeoutMs: number): Promise<Finished> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => (stdout += d));
  child.stderr?.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((done) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

export const MAIN = join(ROOT, 'src', 'app', 'main.ts');
export const BIN = join(ROOT, 'bin', 'flowfull.js');

/** Starts `npm start`'s entry and resolves once /health answers; `stop()` ends it by its pid. */
export async function startServer(env: Record<string, string>, cwd = scratchDir()) {
  const child = spawn(process.execPath, ['--import', TSX, MAIN], { cwd, env: cleanEnv(env) });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((done) => child.on('close', done));
  const url = `http://127.0.0.1:${env.PORT}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited: ${output}`);
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not start: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    cwd,
    output: () => output,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
