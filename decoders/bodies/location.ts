/** Placeholder: this family's codecs are being written. */
import type { BodyCodec } from '../registry.js';

export const location: BodyCodec<any>[] = []; // eslint-disable-line @typescript-eslint/no-explicit-any
