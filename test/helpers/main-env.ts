/** The environment for server/main.ts in a child process: every port chosen by the system, its own dataDir and secret. */
export function mainEnv(dataDir: string, secret: string, over: Record<string, string> = {}, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return {
    ...base,
    DIPPER_JT808_PORT: '0',
    DIPPER_ATTACHMENTS_PORT: '0',
    DIPPER_HTTP_PORT: '0',
    DIPPER_MQTT_PORT: '0',
    DIPPER_MQTT_WS_PORT: '0',
    DIPPER_DATA_DIR: dataDir,
    DIPPER_AUTH_SECRET: secret,
    ...over,
  };
}
