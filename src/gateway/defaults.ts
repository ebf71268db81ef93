import { VALIDATOR_DEFAULTS } from '../auth/defaults.js';

/** The gateway's defaults, stated once; the configuration schema builds on them. */
export const GATEWAY_DEFAULTS = {
  /** Where Flowfull serves the auth routes. @default '/auth' */
  prefix: '/auth',
  /** Where they live at Flowless. @default '/auth' */
  upstreamPrefix: '/auth',
  /** One call to Flowless, answer included: the bridge client's timeout. @default 1500 */
  timeoutMs: VALIDATOR_DEFAULTS.timeout,
  /** @default 1 MiB */
  bodyLimitBytes: 1_048_576,
  methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as readonly string[],
};
