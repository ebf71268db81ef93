import { ERROR_STATUS } from '../errors.js';
import type { Access, Resource, ResourceColumn } from './define.js';
import { writableColumns } from './input.js';
import { FILTER_OP_ALIASES, FILTER_OPS } from './query.js';

/**
 * The OpenAPI 3.1 document, generated: the resources' Bridge API from their definitions, plus the
 * application's other routes described as data (`OpenApiRoute`), with the error envelope and every
 * error code of the catalogue. Paths use Hono's `:param` syntax in, OpenAPI's `{param}` out.
 */

type Json = Record<string, unknown>;

export interface OpenApiRoute {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Hono syntax: `/api/v1/items/:id`. */
  path: string;
  summary: string;
  tag: string;
  /** `session`: X-Session-ID; `bridge-secret`: X-Bridge-Secret; `optional`: session when sent. */
  auth?: 'none' | 'session' | 'optional' | 'bridge-secret';
  /** JSON schema of the request body. */
  body?: Json;
  /** JSON schema of `data` in the success envelope. */
  data?: Json;
  /** JSON schema of the whole success body, for a route that does not answer the envelope (pass-through). */
  response?: Json;
  /** Success status (default 200). */
  status?: number;
  query?: Array<{ name: string; schema: Json; description?: string }>;
  /** Extra error statuses besides 400/500 (401, 403, 404, 409, 503...). */
  errors?: number[];
}

export interface OpenApiOptions {
  title?: string;
  version?: string;
  description?: string;
  resources?: readonly Resource[];
  /** Where the Bridge API is mounted (default `/bridge`). */
  basePath?: string;
  routes?: readonly OpenApiRoute[];
  /** The catalogue of error codes (default ERROR_STATUS). */
  errorCodes?: Readonly<Record<string, number>>;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad request',
  401: 'Not signed in, or the session is invalid or expired',
  403: 'Not allowed',
  404: 'Not found',
  405: 'Method not allowed',
  409: 'Conflict',
  413: 'Payload too large',
  429: 'Too many requests',
  500: 'Internal error',
  503: 'Unavailable',
};

export function columnJsonSchema(col: ResourceColumn, input = false): Json {
  const base: Json = (() => {
    switch (col.kind) {
      case 'id':
      case 'string':
      case 'text':
        return {
          type: 'string',
          ...(col.maxLength ? { maxLength: col.maxLength } : {}),
          ...(col.minLength ? { minLength: col.minLength } : {}),
        };
      case 'integer':
        return { type: 'integer' };
      case 'number':
        return { type: 'number' };
      case 'boolean':
        return { type: 'boolean' };
      case 'date':
        return input
          ? {
              oneOf: [
                { type: 'string', format: 'date-time' },
                { type: 'integer', description: 'epoch milliseconds' },
              ],
            }
          : { type: 'string', format: 'date-time' };
      case 'json':
        return {};
    }
  })();
  const described = col.description ? { ...base, description: col.description } : base;
  if (!col.nullable || col.kind === 'json') return described;
  if (typeof described.type === 'string') return { ...described, type: [described.type, 'null'] };
  return { oneOf: [described, { type: 'null' }] };
}

function pascal(name: string): string {
  return name.replace(/(^|[-_])([a-z0-9])/g, (_m, _s, ch: string) => ch.toUpperCase());
}

function envelope(data: Json, meta = false): Json {
  return {
    type: 'object',
    required: ['success', 'data', ...(meta ? ['meta'] : [])],
    properties: {
      success: { const: true },
      data,
      ...(meta ? { meta: { $ref: '#/components/schemas/ListMeta' } } : {}),
    },
  };
}

function errorResponses(statuses: number[]): Json {
  const out: Json = {};
  for (const s of [...new Set([400, ...statuses, 500])].sort())
    out[String(s)] = {
      description: STATUS_TEXT[s] ?? 'Error',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    };
  return out;
}

function security(auth: OpenApiRoute['auth']): Json[] | undefined {
  if (auth === 'session') return [{ session: [] }];
  if (auth === 'optional') return [{}, { session: [] }];
  if (auth === 'bridge-secret') return [{ bridgeSecret: [] }];
  return [];
}

function authOf(access: Access, resource: Resource, reading: boolean): OpenApiRoute['auth'] {
  if (access === 'public') return 'optional';
  if (access === 'owner' && reading && resource.publicWhen) return 'optional';
  return 'session';
}

function accessText(access: Access): string {
  if (typeof access === 'object') return `user types: ${access.userTypes.join(', ')}`;
  return access === 'owner' ? 'owner (the user’s own rows; another user’s row answers 404)' : access;
}

function resourceRoutes(resource: Resource, basePath: string): OpenApiRoute[] {
  const name = pascal(resource.name);
  const ref = { $ref: `#/components/schemas/${name}` };
  const path = `${basePath}/${resource.name}`;
  const sortable = [...resource.columns.values()].filter((c) => c.sortable).map((c) => c.name);
  const filterable = [...resource.columns.values()].filter((c) => c.filterable).map((c) => c.name);
  const listQuery = (search: boolean) => [
    ...(search
      ? [
          {
            name: 'q',
            schema: { type: 'string', maxLength: 256 },
            description: 'Case-insensitive text in the searchable columns',
          },
        ]
      : []),
    { name: 'page', schema: { type: 'integer', minimum: 1, default: 1 } },
    {
      name: 'limit',
      schema: { type: 'integer', minimum: 1, default: resource.defaultLimit },
      description: `At most ${resource.maxLimit} (larger values are clamped)`,
    },
    { name: 'orderBy', schema: { type: 'string', enum: sortable } },
    { name: 'orderDir', schema: { type: 'string', enum: ['asc', 'desc'] } },
    {
      name: 'sort',
      schema: { type: 'string' },
      description: '`field:asc,field:desc` (or `-field`), up to 3 fields',
    },
    { name: 'fields', schema: { type: 'string' }, description: 'Comma-separated projection' },
  ];
  const common = { tag: resource.name };
  const errs = (extra: number[]) => [401, 403, ...extra];
  const readAuth = authOf(resource.access.read, resource, true);
  return [
    {
      ...common,
      method: 'get',
      path,
      summary: `List ${resource.name} (${accessText(resource.access.list)})`,
      auth: authOf(resource.access.list, resource, true),
      query: listQuery(false),
      data: { type: 'array', items: ref },
      errors: errs([]),
      filters: filterable,
    } as OpenApiRoute,
    {
      ...common,
      method: 'get',
      path: `${path}/search`,
      summary: `Search ${resource.name}`,
      auth: authOf(resource.access.list, resource, true),
      query: listQuery(true),
      data: { type: 'array', items: ref },
      errors: errs([]),
      filters: filterable,
    } as OpenApiRoute,
    {
      ...common,
      method: 'get',
      path: `${path}/:id`,
      summary: `One ${resource.name} row (${accessText(resource.access.read)})`,
      auth: readAuth,
      data: ref,
      errors: errs([404]),
    },
    {
      ...common,
      method: 'post',
      path,
      summary: `Create a ${resource.name} row (${accessText(resource.access.create)})`,
      auth: authOf(resource.access.create, resource, false),
      body: { $ref: `#/components/schemas/${name}Create` },
      data: ref,
      status: 201,
      errors: errs([409]),
    },
    {
      ...common,
      method: 'put',
      path: `${path}/:id`,
      summary: `Update a ${resource.name} row (the fields sent)`,
      auth: authOf(resource.access.update, resource, false),
      body: { $ref: `#/components/schemas/${name}Update` },
      data: ref,
      errors: errs([404, 409]),
    },
    {
      ...common,
      method: 'patch',
      path: `${path}/:id`,
      summary: `Update a ${resource.name} row partially`,
      auth: authOf(resource.access.update, resource, false),
      body: { $ref: `#/components/schemas/${name}Update` },
      data: ref,
      errors: errs([404, 409]),
    },
    {
      ...common,
      method: 'delete',
      path: `${path}/:id`,
      summary: `Delete a ${resource.name} row`,
      auth: authOf(resource.access.delete, resource, false),
      data: { type: 'object', properties: { id: { type: 'string' }, deleted: { const: true } } },
      errors: errs([404]),
    },
  ];
}

function filterParameter(filterable: string[]): Json {
  const aliases = Object.keys(FILTER_OP_ALIASES).filter(
    (a) => !(FILTER_OPS as readonly string[]).includes(a),
  );
  return {
    name: 'filters',
    in: 'query',
    style: 'form',
    explode: true,
    description:
      `Filters as \`field:op=value\` or \`field[op]=value\` (\`field=value\` is eq). Fields: ${filterable.join(', ')}. ` +
      `Ops: ${FILTER_OPS.join(', ')}; long aliases (case-insensitive): ${aliases.join(', ')}. ` +
      'in/nin take comma-joined values or repeated `field:in[]=v`; null/nnull take true/false. ' +
      'contains/ncontains/sw/ew are case-insensitive (Unicode lower case), with % and _ taken literally.',
    schema: { type: 'object', additionalProperties: { type: 'string' } },
  };
}

function operation(route: OpenApiRoute & { filters?: string[] }): Json {
  const params = [...route.path.matchAll(/:([A-Za-z_]+)/g)].map((m) => ({
    name: m[1],
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
  const query = (route.query ?? []).map((q) => ({
    name: q.name,
    in: 'query',
    schema: q.schema,
    ...(q.description ? { description: q.description } : {}),
  }));
  const isList = route.data?.type === 'array';
  return {
    tags: [route.tag],
    summary: route.summary,
    operationId: `${route.method}${route.path.replace(/[/:{}-]+([a-zA-Z0-9])?/g, (_m, ch: string | undefined) => (ch ?? '').toUpperCase())}`,
    security: security(route.auth ?? 'none'),
    parameters: [...params, ...query, ...(route.filters ? [filterParameter(route.filters)] : [])],
    ...(route.body
      ? { requestBody: { required: true, content: { 'application/json': { schema: route.body } } } }
      : {}),
    responses: {
      [String(route.status ?? 200)]: {
        description: 'Success',
        content: { 'application/json': { schema: route.response ?? envelope(route.data ?? {}, isList) } },
      },
      ...errorResponses(route.errors ?? []),
    },
  };
}

function resourceSchemas(resource: Resource): Json {
  const name = pascal(resource.name);
  const row: Json = { type: 'object', required: resource.columnNames, properties: {} };
  for (const col of resource.columns.values()) (row.properties as Json)[col.name] = columnJsonSchema(col);
  const create: Json = { type: 'object', additionalProperties: false, required: [], properties: {} };
  const update: Json = { type: 'object', additionalProperties: false, minProperties: 1, properties: {} };
  for (const col of writableColumns(resource)) {
    (create.properties as Json)[col.name] = columnJsonSchema(col, true);
    (update.properties as Json)[col.name] = columnJsonSchema(col, true);
    if (!col.nullable && !col.hasDefault) (create.required as string[]).push(col.name);
  }
  return {
    [name]: { ...row, ...(resource.description ? { description: resource.description } : {}) },
    [`${name}Create`]: create,
    [`${name}Update`]: update,
  };
}

/** Hono `:param` to OpenAPI `{param}`. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
}

export function createOpenApiDocument(options: OpenApiOptions = {}): Json {
  const basePath = options.basePath ?? '/bridge';
  const codes = options.errorCodes ?? ERROR_STATUS;
  const routes = [
    ...(options.routes ?? []),
    ...(options.resources ?? []).flatMap((r) => resourceRoutes(r, basePath)),
  ];
  const paths: Record<string, Json> = {};
  for (const route of routes) {
    const p = openApiPath(route.path);
    paths[p] ??= {};
    paths[p][route.method] = operation(route);
  }
  const schemas: Json = {
    Error: {
      type: 'object',
      required: ['success', 'error', 'code'],
      properties: {
        success: { const: false },
        error: { type: 'string', description: 'A message that stands alone (the client shows it)' },
        code: { type: 'string', enum: Object.keys(codes) },
        details: { description: 'Per code: e.g. {field} for query errors, {fields: [...]} for bodies' },
      },
    },
    ListMeta: {
      type: 'object',
      required: ['page', 'limit', 'total', 'totalPages', 'hasMore'],
      properties: {
        page: { type: 'integer' },
        limit: { type: 'integer' },
        total: { type: 'integer' },
        totalPages: { type: 'integer' },
        hasMore: { type: 'boolean' },
      },
    },
  };
  for (const r of options.resources ?? []) Object.assign(schemas, resourceSchemas(r));
  const codeTable = Object.entries(codes)
    .map(([code, status]) => `| ${code} | ${status} |`)
    .join('\n');
  return {
    openapi: '3.1.0',
    info: {
      title: options.title ?? 'Flowfull API',
      version: options.version ?? '0.0.0',
      description:
        `${options.description ?? ''}\n\nErrors answer \`{success: false, error, code}\`:\n\n| code | status |\n| --- | --- |\n${codeTable}`.trim(),
    },
    tags: [...new Set(routes.map((r) => r.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas,
      securitySchemes: {
        session: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Session-ID',
          description: 'The Flowless session id',
        },
        bridgeSecret: { type: 'apiKey', in: 'header', name: 'X-Bridge-Secret' },
      },
    },
  };
}
