/**
 * The HTTP wire primitives every layer's routes speak (the protocol's response envelope, the JSON body
 * reader, raw header reads, readiness reports). A base layer, so that auth's routes and the HTTP shell
 * use the same ones without auth importing the shell.
 */
export { isJsonMediaType, readJsonObject } from './body.js';
export { type ErrorBody, ok, type SuccessBody } from './envelope.js';
export { isHeader, rawHeadersOf, requestHeader } from './headers.js';
export type { ComponentReport, ComponentStatus, ReadinessCheck } from './readiness.js';
