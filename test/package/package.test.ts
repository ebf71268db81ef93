import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importGraph, type LoadedGraph, packedFiles, ROOT, stagePackage } from '../support/package.js';

/**
 * The published package holds the framework only, and `import 'flowfull'` loads only the framework:
 * never the starter application, the local Flowless stand-in (and with it better-sqlite3 and scrypt),
 * or the contract suites (vitest).
 */

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  exports: Record<string, string | { types: string; import: string }>;
  bin: Record<string, string>;
};
const SUBPATHS = ['flowfull/cache', 'flowfull/auth', 'flowfull/tokens', 'flowfull/db'];
/** Names that exist for tests or for the stand-in; none belongs in the framework's entry points. */
const NOT_PUBLIC = [
  'startFlowlessStandin',
  'createStandinApp',
  'startDevelopmentStandin',
  'hashSessionId',
  'databaseContractSuite',
  'secretMatches',
  'interpretBridgeAnswer',
  'normalizeSession',
  'parseForwarded',
  'parseXForwardedFor',
  'tokenError',
  'describePaserk',
  'sessionRequired',
  'invalidSession',
];

let stage: ReturnType<typeof stagePackage>;
const graphs = new Map<string, LoadedGraph>();
const graph = (specifier: string) => {
  let found = graphs.get(specifier);
  if (!found) {
    found = importGraph(stage.dir, specifier);
    graphs.set(specifier, found);
  }
  return found;
};

beforeAll(() => {
  stage = stagePackage();
}, 180_000);

afterAll(() => stage?.remove());

describe('npm pack', () => {
  it('lists the built framework, bin and package.json: no starter app, test, bench or source file', () => {
    const files = packedFiles(stage.dir);
    expect(files).toContain('dist/index.js');
    expect(files).toContain('dist/cli/main.js');
    const outside = files.filter(
      (f) => !/^(dist|bin)\//.test(f) && !['package.json', 'README.md'].includes(f),
    );
    expect(outside).toEqual([]);
    const forbidden = files.filter((f) =>
      /^(src|test|bench|scripts|data)\/|^dist\/app\/|\.test\.|\.map$|module-probe|node_modules/.test(f),
    );
    expect(forbidden).toEqual([]);
    for (const target of Object.values(pkg.exports)) {
      if (typeof target === 'string') continue;
      expect(files).toContain(target.import.replace(/^\.\//, ''));
      expect(files).toContain(target.types.replace(/^\.\//, ''));
    }
    for (const bin of Object.values(pkg.bin)) expect(files).toContain(bin.replace(/^\.\//, ''));
  });
});

describe("import('flowfull')", () => {
  it('loads the framework without the stand-in, better-sqlite3, the starter, the CLI or vitest', () => {
    const root = graph('flowfull');
    expect(root.urls.some((u) => u.endsWith('/dist/index.js'))).toBe(true);
    expect(root.urls.some((u) => u.includes('/dist/auth/'))).toBe(true);
    const loaded = [...root.urls, ...root.cjs];
    const unwanted = loaded.filter((u) =>
      /better-sqlite3|\/dist\/(standin|app|cli|db\/testing|exports\/testing)\/?|\/vitest\/|\/scrypt/.test(u),
    );
    expect(unwanted).toEqual([]);
  });

  it('exports the framework and no test-only or stand-in name', () => {
    const { names } = graph('flowfull');
    for (const name of [
      'createApp',
      'AppError',
      'ERRORS',
      'FlowfullConfigError',
      'loadConfig',
      'CircuitBreaker',
    ])
      expect(names).toContain(name);
    for (const name of [
      'createAuth',
      'requireAuth',
      'createCacheRuntime',
      'createTrustTokenService',
      'createDatabase',
    ])
      expect(names).toContain(name);
    expect(names.filter((n) => NOT_PUBLIC.includes(n))).toEqual([]);
    expect(names.length).toBeLessThan(150);
  });

  it.each(SUBPATHS)('%s resolves and loads neither the stand-in nor better-sqlite3', (specifier) => {
    const { names, urls, cjs } = graph(specifier);
    expect(names.length).toBeGreaterThan(0);
    expect(names.filter((n) => NOT_PUBLIC.includes(n))).toEqual([]);
    expect([...urls, ...cjs].filter((u) => /better-sqlite3|\/dist\/(standin|app|cli)\//.test(u))).toEqual([]);
  });

  it('flowfull/testing holds the stand-in and the database contract suite', () => {
    const { names, urls } = graph('flowfull/testing');
    expect(names).toEqual(expect.arrayContaining(['startFlowlessStandin', 'databaseContractSuite']));
    // The probe sees what it should: the stand-in's modules are loaded here, and only here.
    expect(urls.some((u) => u.includes('/dist/standin/'))).toBe(true);
  });
});
