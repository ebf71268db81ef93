import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The package as npm would publish it, in a directory of its own: `npm run build`'s output (built
 * here, so the repository's dist/ is neither needed nor touched), package.json, bin/ and README,
 * with the repository's node_modules linked in so that the built entry points can be imported.
 */
export function stagePackage(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'flowfull-package-'));
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', join(dir, 'dist')], {
    cwd: ROOT,
    stdio: 'pipe',
  });
  for (const file of ['package.json', 'README.md']) copyFileSync(join(ROOT, file), join(dir, file));
  cpSync(join(ROOT, 'bin'), join(dir, 'bin'), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  copyFileSync(join(ROOT, 'test/support/module-probe.mjs'), join(dir, 'module-probe.mjs'));
  copyFileSync(join(ROOT, 'test/support/module-trace-hooks.mjs'), join(dir, 'module-trace-hooks.mjs'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The files `npm pack` would publish from dir. */
export function packedFiles(dir: string): string[] {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const [report] = JSON.parse(out) as Array<{ files: Array<{ path: string }> }>;
  return report!.files.map((f) => f.path).sort();
}

export interface LoadedGraph {
  names: string[];
  /** Resolved URLs of every module the import loaded. */
  urls: string[];
  /** CommonJS files in require.cache (native addons such as better-sqlite3 load this way). */
  cjs: string[];
}

/** Imports `specifier` from inside the staged package, in a child process, and reports what loaded. */
export function importGraph(dir: string, specifier: string): LoadedGraph {
  const out = execFileSync(process.execPath, ['module-probe.mjs', specifier, './module-trace-hooks.mjs'], {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return JSON.parse(out.trim().split('\n').at(-1)!) as LoadedGraph;
}
