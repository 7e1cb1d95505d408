/** kafkajs' table of protocol errors (CommonJS, no types of its own), read by sinks/kafka.ts. */
declare module 'kafkajs/src/protocol/error.js' {
  export const errorCodes: readonly { type: string; code: number; retriable: boolean; message: string }[];
}
