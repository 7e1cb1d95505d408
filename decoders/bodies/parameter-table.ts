/**
 * Terminal parameters (JT/T 808-2013 table 12, 2019 table 13, JT/T 1078-2016 table 2),
 * described once: id -> {name, type}. Both directions of 0x8103 / 0x0104 read it, the way
 * mqtt-packet drives MQTT 5 properties from one table.
 *
 * Types: BYTE / WORD / DWORD are unsigned big-endian numbers; STRING is GBK text;
 * BYTES is kept as raw bytes (structured values we do not unpack: 1078 video settings,
 * the 2019 illegal-driving period, CAN ID collection settings). Names carry the unit
 * where the standard gives one (S seconds, M metres, Kmh, Ms milliseconds).
 */
export type ParamType = 'BYTE' | 'WORD' | 'DWORD' | 'STRING' | 'BYTES';

export interface ParamDef {
  readonly name: string;
  readonly type: ParamType;
}

const entries: [number, string, ParamType][] = [
  [0x0001, 'heartbeatIntervalS', 'DWORD'],
  [0x0002, 'tcpAckTimeoutS', 'DWORD'],
  [0x0003, 'tcpRetransmits', 'DWORD'],
  [0x0004, 'udpAckTimeoutS', 'DWORD'],
  [0x0005, 'udpRetransmits', 'DWORD'],
  [0x0006, 'smsAckTimeoutS', 'DWORD'],
  [0x0007, 'smsRetransmits', 'DWORD'],
  [0x0010, 'mainServerApn', 'STRING'],
  [0x0011, 'mainServerDialUser', 'STRING'],
  [0x0012, 'mainServerDialPassword', 'STRING'],
  // 2019: "host:port", several servers separated by ';'
  [0x0013, 'mainServerAddress', 'STRING'],
  [0x0014, 'backupServerApn', 'STRING'],
  [0x0015, 'backupServerDialUser', 'STRING'],
  [0x0016, 'backupServerDialPassword', 'STRING'],
  [0x0017, 'backupServerAddress', 'STRING'],
  // reserved in 2019 (the port moved into 0x0013), still sent by 2013 terminals
  [0x0018, 'tcpPort', 'DWORD'],
  [0x0019, 'udpPort', 'DWORD'],
  [0x001a, 'icCardServerAddress', 'STRING'],
  [0x001b, 'icCardServerTcpPort', 'DWORD'],
  [0x001c, 'icCardServerUdpPort', 'DWORD'],
  [0x001d, 'icCardBackupServerAddress', 'STRING'],
  // 0 timed, 1 by distance, 2 both
  [0x0020, 'reportStrategy', 'DWORD'],
  // 0 by ACC state, 1 by login state then ACC
  [0x0021, 'reportScheme', 'DWORD'],
  [0x0022, 'notLoggedInReportIntervalS', 'DWORD'],
  // 2019: slave server link
  [0x0023, 'slaveServerApn', 'STRING'],
  [0x0024, 'slaveServerDialUser', 'STRING'],
  [0x0025, 'slaveServerDialPassword', 'STRING'],
  [0x0026, 'slaveServerBackupAddress', 'STRING'],
  [0x0027, 'sleepReportIntervalS', 'DWORD'],
  [0x0028, 'emergencyReportIntervalS', 'DWORD'],
  [0x0029, 'defaultReportIntervalS', 'DWORD'],
  [0x002c, 'defaultReportDistanceM', 'DWORD'],
  [0x002d, 'notLoggedInReportDistanceM', 'DWORD'],
  [0x002e, 'sleepReportDistanceM', 'DWORD'],
  [0x002f, 'emergencyReportDistanceM', 'DWORD'],
  [0x0030, 'turnAngleDeg', 'DWORD'],
  [0x0031, 'fenceRadiusM', 'WORD'],
  // 2019: BYTE[4] start hour, start minute, end hour, end minute
  [0x0032, 'illegalDrivingPeriod', 'BYTES'],
  [0x0040, 'monitoringPlatformPhone', 'STRING'],
  [0x0041, 'resetPhone', 'STRING'],
  [0x0042, 'factoryResetPhone', 'STRING'],
  [0x0043, 'platformSmsPhone', 'STRING'],
  [0x0044, 'smsAlarmPhone', 'STRING'],
  // 0 auto answer, 1 auto answer with ACC on, manual with ACC off
  [0x0045, 'answerCallPolicy', 'DWORD'],
  [0x0046, 'maxCallTimeS', 'DWORD'],
  [0x0047, 'maxMonthlyCallTimeS', 'DWORD'],
  [0x0048, 'listenPhone', 'STRING'],
  [0x0049, 'privilegedSmsPhone', 'STRING'],
  // the alarm words below use the 0x0200 alarm bit positions
  [0x0050, 'alarmMask', 'DWORD'],
  [0x0051, 'alarmSmsSwitch', 'DWORD'],
  [0x0052, 'alarmPhotoSwitch', 'DWORD'],
  [0x0053, 'alarmPhotoStoreFlags', 'DWORD'],
  [0x0054, 'keyAlarmFlags', 'DWORD'],
  [0x0055, 'maxSpeedKmh', 'DWORD'],
  [0x0056, 'overspeedDurationS', 'DWORD'],
  [0x0057, 'continuousDrivingLimitS', 'DWORD'],
  [0x0058, 'dailyDrivingLimitS', 'DWORD'],
  [0x0059, 'minRestS', 'DWORD'],
  [0x005a, 'maxParkingS', 'DWORD'],
  // 1/10 km/h
  [0x005b, 'overspeedWarningDelta', 'WORD'],
  [0x005c, 'fatigueWarningDeltaS', 'WORD'],
  // bits 0-7 collision time (4 ms units), bits 8-15 acceleration (0.1 g)
  [0x005d, 'collisionAlarmParams', 'WORD'],
  [0x005e, 'rolloverAngleDeg', 'WORD'],
  [0x0064, 'timedPhotoControl', 'DWORD'],
  [0x0065, 'distancePhotoControl', 'DWORD'],
  [0x0070, 'imageQuality', 'DWORD'],
  [0x0071, 'brightness', 'DWORD'],
  [0x0072, 'contrast', 'DWORD'],
  [0x0073, 'saturation', 'DWORD'],
  [0x0074, 'chroma', 'DWORD'],
  // JT/T 1078-2016 table 2 (structured values kept raw)
  [0x0075, 'avParams', 'BYTES'],
  [0x0076, 'avChannelList', 'BYTES'],
  [0x0077, 'perChannelVideoParams', 'BYTES'],
  [0x0079, 'specialAlarmRecordingParams', 'BYTES'],
  [0x007a, 'videoAlarmMask', 'DWORD'],
  [0x007b, 'imageAnalysisAlarmParams', 'BYTES'],
  [0x007c, 'wakeupParams', 'BYTES'],
  // 1/10 km
  [0x0080, 'odometer', 'DWORD'],
  [0x0081, 'provinceId', 'WORD'],
  [0x0082, 'cityId', 'WORD'],
  [0x0083, 'plate', 'STRING'],
  [0x0084, 'plateColor', 'BYTE'],
  [0x0090, 'gnssMode', 'BYTE'],
  [0x0091, 'gnssBaudRate', 'BYTE'],
  [0x0092, 'gnssOutputRate', 'BYTE'],
  [0x0093, 'gnssSamplingS', 'DWORD'],
  [0x0094, 'gnssUploadMode', 'BYTE'],
  [0x0095, 'gnssUploadSetting', 'DWORD'],
  [0x0100, 'can1CollectIntervalMs', 'DWORD'],
  [0x0101, 'can1UploadIntervalS', 'WORD'],
  [0x0102, 'can2CollectIntervalMs', 'DWORD'],
  [0x0103, 'can2UploadIntervalS', 'WORD'],
];

/** 0x0110-0x01FF: one CAN bus ID collection setting each, BYTE[8]. */
const CAN_ID_SETTING: ParamDef = { name: 'canIdCollection', type: 'BYTES' };

const byId = new Map<number, ParamDef>(entries.map(([id, name, type]) => [id, { name, type }]));

/** The definition of a parameter ID, or undefined for reserved and vendor IDs (kept raw). */
export function paramDef(id: number): ParamDef | undefined {
  if (id >= 0x0110 && id <= 0x01ff) return CAN_ID_SETTING;
  return byId.get(id);
}

/** Name -> ID, for callers who set parameters by name. */
export const PARAM_ID: Readonly<Record<string, number>> = Object.freeze(Object.fromEntries(entries.map(([id, name]) => [name, id])));

/** Wire size of the numeric types. */
export const NUMERIC_SIZE: Readonly<Partial<Record<ParamType, number>>> = { BYTE: 1, WORD: 2, DWORD: 4 };
