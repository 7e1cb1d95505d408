import type { BodyArbitraries } from './common.js';

/** Placeholder until this family's codecs land. */
export const video: BodyArbitraries = {};
