// Two SDK types that @temporalio/workflow uses but does not export by name, derived from its own functions,
// so that workflows/ imports nothing but @temporalio/workflow, contract/ and itself (the rule
// workflows-deterministic-imports in .dependency-cruiser.mjs). Types only: nothing here reaches the bundle.
import type { defineUpdate, sleep } from '@temporalio/workflow';

/** A duration as the SDK takes one: milliseconds, or a string such as '30s' (@temporalio/common's Duration). */
export type Duration = Parameters<typeof sleep>[0];

/** What defineUpdate returns (@temporalio/common's UpdateDefinition). */
export type UpdateDefinition<Ret, Args extends unknown[]> = ReturnType<typeof defineUpdate<Ret, Args>>;
