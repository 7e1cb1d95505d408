/**
 * The evidence files an active-safety unit keeps for one of its alarms and uploads after 0x9208
 * (T/JSATL12-2017 §4.6): a photo (JPEG, photo.ts), a short video (MP4, clip.ts) and, for some
 * alarms, a text log. Their bytes come from a stream forked per alarm and per file, so the same
 * seed gives the same files whenever (and however often) the platform asks for them, and a
 * test can ask this factory for the bytes it should receive.
 *
 * Names follow §4.6: <file type>_<channel>_<alarm type>_<seq>_<alarm number>.<suffix>, the file
 * type two digits (00 picture, 02 video, 03 text), the channel the module's peripheral ID (64
 * ADAS, 65 DSM), the alarm type that ID and the module's alarm type in hex ("6401" forward
 * collision), seq 0 (one file of each type and channel), the alarm number the platform gave in
 * 0x9208. With a 32-character alarm number the longest is 49 bytes, within the 50 the data frame
 * has for it.
 */
import type { SuBiaoAlarmIdentifier } from '../decoders/index.js';
import { stillClip } from './clip.js';
import { fakeJpeg } from './photo.js';
import type { Rng } from './rng.js';

/** 0x1211's file types (T/JSATL12 table 4-25). */
export const FILE_TYPE = { picture: 0, audio: 1, video: 2, text: 3, other: 4 } as const;
export type FileType = (typeof FILE_TYPE)[keyof typeof FILE_TYPE];

/** The module that raised the alarm, by its peripheral ID (the 0x0200 item ID). */
export const PERIPHERAL = { adas: 0x64, dsm: 0x65 } as const;
export type Peripheral = (typeof PERIPHERAL)[keyof typeof PERIPHERAL];

/** What the files describe: one alarm an active-safety unit raised. */
export interface RaisedAlarm {
  peripheral: Peripheral;
  /** The module's alarm type (ADAS 0x01 forward collision ..., DSM 0x01 fatigue ...). */
  type: number;
  level: number;
  alarmId: number;
  identifier: SuBiaoAlarmIdentifier;
  lat: number;
  lng: number;
  speed: number;
}

export interface EvidenceFile {
  name: string;
  fileType: FileType;
  data: Buffer;
}

/** Sizes as a Su-biao unit's: a 1280x720 snapshot, a few seconds of low-rate video. */
const JPEG_BYTES = [24_000, 64_000] as const;
/** a playable clip (clip.ts: an I_PCM picture held still) of 6-10 s at 10 frames/s, 320x240: ~120 KB */
const CLIP_FRAMES = [60, 100] as const;

/** "6401": the peripheral ID and the module's alarm type, two hex digits each. */
export function alarmTypeCode(alarm: Pick<RaisedAlarm, 'peripheral' | 'type'>): string {
  return alarm.peripheral.toString(16).padStart(2, '0') + alarm.type.toString(16).padStart(2, '0');
}

function fileName(fileType: FileType, alarm: RaisedAlarm, alarmNo: string, suffix: string): string {
  return `0${fileType}_${alarm.peripheral.toString(16)}_${alarmTypeCode(alarm)}_0_${alarmNo}.${suffix}`;
}

/**
 * The alarm's files: the photo and the clip, and the log when the identifier announces three.
 * `rng` is the alarm's own stream (only forked here, never drawn from).
 */
export function evidenceFiles(rng: Rng, alarm: RaisedAlarm, alarmNo: string): EvidenceFile[] {
  const jpg = rng.fork('jpg');
  const mp4 = rng.fork('mp4');
  const files: EvidenceFile[] = [
    { name: fileName(FILE_TYPE.picture, alarm, alarmNo, 'jpg'), fileType: FILE_TYPE.picture, data: fakeJpeg(jpg, jpg.int(...JPEG_BYTES)) },
    { name: fileName(FILE_TYPE.video, alarm, alarmNo, 'mp4'), fileType: FILE_TYPE.video, data: stillClip({ width: 320, height: 240, frames: mp4.int(...CLIP_FRAMES), fps: 10 }) },
  ];
  if (alarm.identifier.attachments >= 3) {
    // §4.6 names text files .bin; the content is a line a unit's event log would hold
    const log = [
      `alarm ${alarmTypeCode(alarm)} level ${alarm.level} id ${alarm.alarmId}`,
      `terminal ${alarm.identifier.terminalId} time ${alarm.identifier.time ?? ''} seq ${alarm.identifier.seq}`,
      `position ${alarm.lat.toFixed(6)},${alarm.lng.toFixed(6)} speed ${alarm.speed} km/h`,
      '',
    ].join('\n');
    files.push({ name: fileName(FILE_TYPE.text, alarm, alarmNo, 'bin'), fileType: FILE_TYPE.text, data: Buffer.from(log, 'latin1') });
  }
  return files;
}
