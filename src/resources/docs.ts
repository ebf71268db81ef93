import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Hono } from 'hono';
import { FlowfullConfigError } from '../errors.js';

/**
 * `/openapi.json` and, when enabled, `/docs`: Swagger UI served from the `swagger-ui-dist` package
 * on this machine (no CDN: the page works offline and leaks no request to a third party). The
 * assets are read on first request and kept in memory.
 */
export interface ApiReferenceOptions {
  /** Built on first request, then served as is. */
  document: () => Record<string, unknown>;
  /** Default `/openapi.json`. */
  specPath?: string;
  /** The interactive page; false: not served (production). Default `/docs`. */
  docsPath?: string | false;
  /** The page title. */
  title?: string;
}

const ASSETS = {
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui.css': 'text/css; charset=utf-8',
} as const;

function checkPath(name: string, value: string): string {
  if (!/^(\/[A-Za-z0-9_.-]+)+$/.test(value))
    throw new FlowfullConfigError(`createApiReferenceRoutes: ${name} must look like /docs`);
  return value;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

export function createApiReferenceRoutes(options: ApiReferenceOptions): Hono {
  const specPath = checkPath('specPath', options.specPath ?? '/openapi.json');
  const docsPath = options.docsPath === false ? false : checkPath('docsPath', options.docsPath ?? '/docs');
  const app = new Hono();
  let document: Record<string, unknown> | undefined;
  app.get(specPath, (c) => {
    document ??= options.document();
    return c.json(document);
  });
  if (docsPath === false) return app;

  const assets = new Map<string, Promise<string>>();
  const asset = (file: keyof typeof ASSETS) => {
    let text = assets.get(file);
    if (!text) {
      const dir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
      text = readFile(join(dir, file), 'utf8');
      assets.set(file, text);
    }
    return text;
  };
  const title = escapeHtml(options.title ?? 'API reference');
  app.get(docsPath, (c) =>
    c.html(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="stylesheet" href="${docsPath}/swagger-ui.css">
</head>
<body>
<div id="reference"></div>
<script src="${docsPath}/swagger-ui-bundle.js"></script>
<script src="${docsPath}/init.js"></script>
</body>
</html>`),
  );
  // A script file rather than inline code, so a strict Content-Security-Policy can allow 'self' only.
  app.get(`${docsPath}/init.js`, (c) => {
    c.header('Content-Type', 'text/javascript; charset=utf-8');
    return c.body(
      `window.ui = SwaggerUIBundle({ url: ${JSON.stringify(specPath)}, dom_id: '#reference', deepLinking: true, ` +
        `tryItOutEnabled: true, requestInterceptor: (r) => { r.credentials = 'include'; return r; } });\n`,
    );
  });
  for (const [file, type] of Object.entries(ASSETS) as Array<[keyof typeof ASSETS, string]>)
    app.get(`${docsPath}/${file}`, async (c) => {
      c.header('Content-Type', type);
      c.header('Cache-Control', 'public, max-age=3600');
      return c.body(await asset(file));
    });
  return app;
}
