/** What the store refuses by its own rules (a forbidden step, a cursor not ours): never an outage. */
export class StoreRefusal extends Error {}
