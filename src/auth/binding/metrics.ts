import {
  ACTIONS,
  type ValidationAction,
  type ValidationResult,
  VIOLATION_TYPES,
  type ViolationType,
} from './modes.js';

export interface BindingMetrics {
  /** Requests that passed every check with no violation. */
  clean: number;
  /** Requests with at least one violation, by the action taken. */
  actions: Record<ValidationAction, number>;
  /** Violations by type and by the action taken for the request they were part of. */
  violations: Record<ViolationType, Record<ValidationAction, number>>;
  /** First-seen bindings this instance created. */
  bindingsCreated: number;
  /** Requests refused because the session had been invalidated (tombstone). */
  revokedRefused: number;
  /** Eviction or Flowless logout steps that failed during an invalidation. */
  invalidationFailures: number;
  /** Requests refused with 503 because the state store could not answer (tombstone unreadable, or an undecided binding in a refusing mode). */
  stateUnavailable: number;
  /** Requests allowed without a binding because the store could not decide it (warn-only modes); bound on a later request. */
  bindingsDeferred: number;
}

export interface BindingMetricsRecorder {
  allowed(): void;
  violations(result: ValidationResult): void;
  bindingCreated(): void;
  revokedRefused(): void;
  invalidationFailed(): void;
  stateUnavailable(): void;
  bindingDeferred(): void;
  snapshot(): BindingMetrics;
}

const perAction = () => Object.fromEntries(ACTIONS.map((a) => [a, 0])) as Record<ValidationAction, number>;

export function createBindingMetrics(): BindingMetricsRecorder {
  const m: BindingMetrics = {
    clean: 0,
    actions: perAction(),
    violations: Object.fromEntries(
      VIOLATION_TYPES.map((t) => [t, perAction()]),
    ) as BindingMetrics['violations'],
    bindingsCreated: 0,
    revokedRefused: 0,
    invalidationFailures: 0,
    stateUnavailable: 0,
    bindingsDeferred: 0,
  };
  return {
    allowed: () => {
      m.clean++;
    },
    violations: (result) => {
      m.actions[result.action]++;
      for (const v of result.violations) m.violations[v.type][result.action]++;
    },
    bindingCreated: () => {
      m.bindingsCreated++;
    },
    revokedRefused: () => {
      m.revokedRefused++;
    },
    invalidationFailed: () => {
      m.invalidationFailures++;
    },
    stateUnavailable: () => {
      m.stateUnavailable++;
    },
    bindingDeferred: () => {
      m.bindingsDeferred++;
    },
    snapshot: () => structuredClone(m),
  };
}
