import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/package.js';

/**
 * Imports run one way (DEVELOPERS.md, "Layout"): a folder of src/ imports its own files, folders of
 * lower layers, and `errors` (the base every layer throws with). Never a folder of its own layer or
 * above it, and never anything outside src/ (tests, benches). One exception: a module's `defaults.ts`
 * (its DEFAULTS, from which the configuration schema builds its defaults) may be imported from
 * anywhere, because it imports nothing itself.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['config', 'log', 'errors', 'resilience', 'util', 'wire'],
  ['db', 'cache', 'state'],
  ['auth', 'tokens', 'standin'],
  ['http'],
  // On top of the HTTP shell: resources (definitions, Bridge API, OpenAPI) and the auth gateway.
  ['resources', 'gateway'],
  // The framework's command line and start-up checks: the application hands it its migrations.
  ['cli'],
  // The package's entry points: src/exports/* (the subpaths) and src/index.ts, which re-exports them.
  ['exports'],
  ['index'],
  // The starter application (not in the package).
  ['app'],
];

/**
 * Known violations, folder to folder, each with who removes it and why it is there for now; an entry
 * that no longer occurs fails the test so it cannot linger. Empty: keep it so.
 */
const KNOWN_VIOLATIONS: Record<string, string> = {};

const SRC = join(ROOT, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** `auth` for src/auth/…, `errors` for src/errors.ts, `index` for src/index.ts. */
function folderOf(file: string): string {
  const [first] = relative(SRC, file).split(/[\\/]/);
  return first!.replace(/\.[jt]s$/, '');
}

const layerOf = (folder: string) => LAYERS.findIndex((layer) => layer.includes(folder));

interface Edge {
  from: string;
  to: string;
  /** The imported file, relative to src/. */
  target: string;
  file: string;
  specifier: string;
}

/** Every relative import, static or dynamic, `import type` included (a type is a dependency too). */
function edges(): Edge[] {
  const found: Edge[] = [];
  for (const file of sourceFiles(SRC)) {
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName: specifier } of info.importedFiles) {
      if (!specifier.startsWith('.')) continue;
      const target = resolve(dirname(file), specifier);
      const to = target.startsWith(SRC) ? folderOf(target) : `outside src (${relative(ROOT, target)})`;
      found.push({
        from: folderOf(file),
        to,
        target: relative(SRC, target),
        file: relative(ROOT, file),
        specifier,
      });
    }
  }
  return found;
}

const isDefaults = (target: string) => /(^|[\\/])defaults\.[jt]s$/.test(target);

function allowed(from: string, to: string, target = ''): boolean {
  if (from === to || to === 'errors' || (isDefaults(target) && !to.startsWith('outside'))) return true;
  const a = layerOf(from);
  const b = layerOf(to);
  return a >= 0 && b >= 0 && b < a;
}

describe('import direction', () => {
  const all = edges();

  it('every folder of src/ has a layer', () => {
    const folders = new Set(sourceFiles(SRC).map(folderOf));
    expect([...folders].filter((f) => layerOf(f) < 0)).toEqual([]);
    expect(all.length).toBeGreaterThan(100);
  });

  it('no import runs against the direction, apart from the known violations listed above', () => {
    const violations = all.filter((e) => !allowed(e.from, e.to, e.target));
    const unknown = violations
      .filter((e) => !(`${e.from} -> ${e.to}` in KNOWN_VIOLATIONS))
      .map((e) => `${e.file} imports ${e.specifier} (${e.from} -> ${e.to})`);
    expect(unknown).toEqual([]);
    // The known ones still exist (remove an entry once its violation is gone).
    const seen = new Set(violations.map((e) => `${e.from} -> ${e.to}`));
    expect(Object.keys(KNOWN_VIOLATIONS).filter((k) => !seen.has(k))).toEqual([]);
  });

  it("a module's defaults.ts imports nothing but other defaults, so that anything may import it", () => {
    const fromDefaults = all.filter(
      (e) => isDefaults(relative(SRC, join(ROOT, e.file))) && !isDefaults(e.target),
    );
    expect(fromDefaults.map((e) => `${e.file} imports ${e.specifier}`)).toEqual([]);
  });

  it('the rule catches what it should', () => {
    expect(allowed('config', 'cache', 'cache/defaults.js')).toBe(true);
    expect(allowed('config', 'cache', 'cache/runtime.js')).toBe(false);
    expect(allowed('auth', 'cache')).toBe(true);
    expect(allowed('resilience', 'errors')).toBe(true);
    expect(allowed('cache', 'auth')).toBe(false);
    expect(allowed('auth', 'tokens')).toBe(false);
    expect(allowed('http', 'app')).toBe(false);
    expect(allowed('app', 'cli')).toBe(true);
    expect(allowed('cli', 'app')).toBe(false);
    expect(allowed('db', 'outside src (test/support/services.ts)')).toBe(false);
  });
});
