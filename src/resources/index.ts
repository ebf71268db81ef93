/**
 * Resources: one definition per table gives its migrations, typed rows and repository, validated
 * input, the Bridge API routes of `@pubflow/core` and its part of the OpenAPI document.
 */
export { inScope, resolveAccess } from './access.js';
export { createResourceCache, type ResourceCache } from './cache.js';
export {
  type AnyColumn,
  type AutoRow,
  ColumnBuilder,
  type ColumnFlags,
  type ColumnMap,
  column,
  DEFAULT_TEXT_MAX,
  type InsertOf,
  type KindInputs,
  type KindValues,
  type RowOf,
  type UpdateOf,
} from './columns.js';
export {
  type Access,
  type ColumnsOf,
  defineResource,
  OPERATIONS,
  type Operation,
  type Resource,
  type ResourceColumn,
  type ResourceDefinition,
  SHADOW_SUFFIX,
} from './define.js';
export { type ApiReferenceOptions, createApiReferenceRoutes } from './docs.js';
export {
  columnSchema,
  createSchema,
  createValidator,
  listValidator,
  updateSchema,
  updateValidator,
  validationError,
  writableColumns,
} from './input.js';
export {
  foldCase,
  type GeneratedMigration,
  type GenerateMigrationOptions,
  generateResourceMigration,
  migrationsOf,
  type ResourceMigrationOptions,
  resourceMigrations,
} from './migrations.js';
export {
  columnJsonSchema,
  createOpenApiDocument,
  type OpenApiOptions,
  type OpenApiRoute,
  openApiPath,
} from './openapi.js';
export {
  DEFAULT_QUERY_LIMITS,
  FILTER_OP_ALIASES,
  FILTER_OPS,
  type Filter,
  type FilterOp,
  type ListQuery,
  type OrderTerm,
  parseListQuery,
  type QueryLimits,
} from './query.js';
export { createResourceRepository, type ResourceRepository } from './repository.js';
export { type BridgeRoutes, type BridgeRoutesOptions, createBridgeRoutes } from './routes.js';
export { escapeLike, type Scope } from './sql.js';
