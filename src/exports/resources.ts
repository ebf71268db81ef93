/**
 * `flowfull/resources`: one definition per table gives its migrations, typed rows and repository,
 * validated input, the Bridge API routes of `@pubflow/core` and its part of the OpenAPI document.
 */
export { createResourceCache, type ResourceCache } from '../resources/cache.js';
export {
  column,
  type InsertOf,
  type RowOf,
  type UpdateOf,
} from '../resources/columns.js';
export {
  type Access,
  defineResource,
  type Operation,
  type Resource,
  type ResourceDefinition,
} from '../resources/define.js';
export { type ApiReferenceOptions, createApiReferenceRoutes } from '../resources/docs.js';
export { createValidator, updateValidator } from '../resources/input.js';
export {
  type GeneratedMigration,
  generateResourceMigration,
  resourceMigrations,
} from '../resources/migrations.js';
export { createOpenApiDocument, type OpenApiOptions, type OpenApiRoute } from '../resources/openapi.js';
export { FILTER_OP_ALIASES, FILTER_OPS, type ListQuery, parseListQuery } from '../resources/query.js';
export { createResourceRepository, type ResourceRepository } from '../resources/repository.js';
export { type BridgeRoutes, type BridgeRoutesOptions, createBridgeRoutes } from '../resources/routes.js';
