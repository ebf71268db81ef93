/**
 * The Pubflow gateway: Flowfull serves `/auth/*` by forwarding to Flowless, so a Pubflow client
 * configured with Flowfull's URL alone works, and every logout or credential change passes through
 * Flowfull's session cache on its way. See docs/gateway.md.
 */
export {
  DEFAULT_EFFECT_RULES,
  DEFAULT_RATE_LIMITED,
  type EffectHooks,
  type EffectKind,
  type EffectRule,
  type EndReason,
  type SessionChange,
} from './effects.js';
export { type AuthGateway, createAuthGateway } from './gateway.js';
export { HOP_BY_HOP, rewriteSetCookie } from './headers.js';
export { GatewayCounters, gatewayMetrics } from './metrics.js';
export {
  type AuthGatewayOptions,
  BLOCKED_AREAS,
  GATEWAY_DEFAULTS,
  type GatewayCookieOptions,
} from './options.js';
export { classifyPath, MAX_GATEWAY_PATH_LENGTH } from './path.js';
export {
  createUpstreamClient,
  type UpstreamClient,
  type UpstreamFetch,
  type UpstreamRequest,
} from './upstream.js';
