/** Names users grep, query and alert on. Defined once; tests, dashboards and rules import these. */

export const FEATURE = 'smoke_test';

/** The grep contract: every run writes exactly one line with this message. */
export const VERIFICATION_MESSAGE = 'PetSage smoke test endpoint executed successfully. Logging verified.';
export const VERIFICATION_EVENT = 'smoke_test.verification';

export const RUN_SPAN_NAME = 'smoke_test.run';

/** Span attributes set on every run span. */
export const ATTR_RUN_ID = 'petsage.smoke.run_id';
export const ATTR_RUN_SEQ = 'petsage.smoke.seq';
export const ATTR_TRIGGER = 'petsage.smoke.trigger';

export const TRIGGERS = ['http', 'schedule', 'cli'] as const;
export type Trigger = (typeof TRIGGERS)[number];

export const SIGNALS = ['log', 'trace', 'metric'] as const;
export type Signal = (typeof SIGNALS)[number];

/** A caller's run id: a deploy sha, a ticket, a build number. Never free text. */
export const RUN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
