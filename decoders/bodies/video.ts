/**
 * JT/T 1078-2016 video family: signalling messages carried on the JT/T 808 link (the RTP
 * media stream itself is a separate connection and not decoded here).
 *
 *   0x9003 A/V attributes query (§5.3.2)   empty
 *   0x1003 A/V attributes (table 11)       audioCoding BYTE (table 12), audioChannels BYTE,
 *                                          sampleRate BYTE (0 8k, 1 22.05k, 2 44.1k, 3 48k),
 *                                          sampleBits BYTE (0 8, 1 16, 2 32), audioFrameLength
 *                                          WORD, audioOutput BYTE, videoCoding BYTE,
 *                                          maxAudioChannels BYTE, maxVideoChannels BYTE
 *   0x1005 passenger flow (table 16)       start BCD[6], end BCD[6], boarded WORD, alighted WORD
 *   0x9101 live A/V request (table 17)     ipLen BYTE, ip STRING, tcpPort WORD, udpPort WORD,
 *                                          channel BYTE, dataType BYTE (0 A/V, 1 video, 2 talk,
 *                                          3 listen, 4 broadcast, 5 passthrough), streamType BYTE
 *                                          (0 main, 1 sub)
 *   0x9102 live A/V control (table 18)     channel BYTE, command BYTE (0 close, 1 switch stream,
 *                                          2 pause, 3 resume, 4 close talk), closeType BYTE,
 *                                          streamType BYTE
 *   0x9105 live A/V status (table 20)      channel BYTE, lossRate BYTE (percent)
 *   0x9205 resource list query (table 21)  channel BYTE, start BCD[6], end BCD[6], alarm
 *                                          64 BITS, mediaType BYTE, streamType BYTE, storageType BYTE
 *   0x1205 resource list (tables 22, 23)   ackSerial WORD, count DWORD, count x {channel BYTE,
 *                                          start BCD[6], end BCD[6], alarm 64 BITS, mediaType
 *                                          BYTE, streamType BYTE, storageType BYTE, size DWORD}
 *   0x9201 playback request (table 24)     ipLen BYTE, ip STRING, tcpPort WORD, udpPort WORD,
 *                                          channel BYTE, mediaType BYTE, streamType BYTE,
 *                                          storageType BYTE, playbackMode BYTE, speed BYTE,
 *                                          start BCD[6], end BCD[6]
 *   0x9202 playback control (table 25)     channel BYTE, control BYTE, speed BYTE, position BCD[6]
 *   0x9206 file upload command (table 26)  hostLen BYTE, host STRING, port WORD, userLen BYTE,
 *                                          user STRING, passLen BYTE, password STRING, pathLen
 *                                          BYTE, path STRING, channel BYTE, start BCD[6], end
 *                                          BCD[6], alarm 64 BITS, mediaType BYTE, streamType
 *                                          BYTE, storageType BYTE, condition BYTE (bit0 Wi-Fi,
 *                                          bit1 LAN, bit2 3G/4G)
 *   0x1206 file upload done (table 27)     ackSerial WORD, result BYTE (0 ok, 1 failed)
 *   0x9207 file upload control (table 28)  ackSerial WORD, control BYTE (0 pause, 1 resume, 2 cancel)
 *
 * Decisions:
 * - The 64-bit alarm condition is two JSON-safe DWORDs: `videoAlarm` (bits 32-63, the video
 *   alarm bits of JT/T 1078 table 14, sent first) and `alarm` (bits 0-31, the 0x0200 alarm
 *   word). Early SmallChi releases wrote this field as 4 bytes in 0x9205/0x9206; we follow
 *   the standard's 8 bytes, so such a 0x9205 body is short by 4 and fails as 'truncated'.
 * - 0x9201 has ONE speed byte: the standard's table 24 is split across a page, which made
 *   some implementations (early SmallChi) read two.
 * - Times of all zeros ("no condition", "play to the end") decode as null.
 */
import type { Field } from '../fields.js';
import { described, gbk8, list, struct, time, u16, u32, u8 } from '../fields.js';
import { defineBody, emptyBody } from '../registry.js';

/** 64 BITS alarm condition, high DWORD first. */
export interface Alarm64 {
  /** bits 32-63: JT/T 1078 table 14 video alarms (bit 32 = signal loss ...) */
  videoAlarm: number;
  /** bits 0-31: the JT/T 808 0x0200 alarm word */
  alarm: number;
}

export interface AvAttributes {
  audioCoding: number;
  audioChannels: number;
  sampleRate: number;
  sampleBits: number;
  audioFrameLength: number;
  /** 0 no, 1 yes */
  audioOutput: number;
  videoCoding: number;
  maxAudioChannels: number;
  maxVideoChannels: number;
}

export interface PassengerFlow {
  start: string | null;
  end: string | null;
  boarded: number;
  alighted: number;
}

export interface LiveAvRequest {
  ip: string;
  tcpPort: number;
  udpPort: number;
  channel: number;
  dataType: number;
  streamType: number;
}

export interface LiveAvControl {
  channel: number;
  command: number;
  /** 0 close audio and video, 1 audio only, 2 video only */
  closeType: number;
  streamType: number;
}

export interface LiveAvStatus {
  channel: number;
  lossRate: number;
}

export interface ResourceQuery extends Alarm64 {
  channel: number;
  start: string | null;
  end: string | null;
  mediaType: number;
  streamType: number;
  storageType: number;
}

export interface Resource extends ResourceQuery {
  size: number;
}

export interface ResourceList {
  ackSerial: number;
  items: Resource[];
}

export interface PlaybackRequest {
  ip: string;
  tcpPort: number;
  udpPort: number;
  channel: number;
  mediaType: number;
  streamType: number;
  storageType: number;
  /** 0 normal, 1 fast forward, 2 key-frame rewind, 3 key-frame, 4 single frame */
  playbackMode: number;
  /** 0 n/a, 1 x1, 2 x2, 3 x4, 4 x8, 5 x16 */
  speed: number;
  start: string | null;
  end: string | null;
}

export interface PlaybackControl {
  channel: number;
  /** 0 start, 1 pause, 2 stop, 3 fast forward, 4 key-frame rewind, 5 seek, 6 key-frame */
  control: number;
  speed: number;
  position: string | null;
}

export interface FileUploadCommand extends ResourceQuery {
  host: string;
  port: number;
  user: string;
  password: string;
  path: string;
  condition: number;
}

export interface FileUploadDone {
  ackSerial: number;
  result: number;
}

export interface FileUploadControl {
  ackSerial: number;
  control: number;
}

declare module '../message.js' {
  interface BodyMap {
    0x9003: Record<string, never>;
    0x1003: AvAttributes;
    0x1005: PassengerFlow;
    0x9101: LiveAvRequest;
    0x9102: LiveAvControl;
    0x9105: LiveAvStatus;
    0x9205: ResourceQuery;
    0x1205: ResourceList;
    0x9201: PlaybackRequest;
    0x9202: PlaybackControl;
    0x9206: FileUploadCommand;
    0x1206: FileUploadDone;
    0x9207: FileUploadControl;
  }
}

/** channel, start, end, 64-bit alarm, media/stream/storage type: shared by 0x9205, 0x1205, 0x9206. */
const resourceSpec = {
  channel: u8,
  start: time,
  end: time,
  videoAlarm: u32,
  alarm: u32,
  mediaType: u8,
  streamType: u8,
  storageType: u8,
};

const resource: Field<Resource> = struct({ ...resourceSpec, size: u32 });

export const video = [
  emptyBody(0x9003, 'avAttributesQuery', 'down'),
  defineBody(
    0x1003,
    'avAttributes',
    'up',
    struct({
      audioCoding: u8,
      audioChannels: u8,
      sampleRate: u8,
      sampleBits: u8,
      audioFrameLength: u16,
      audioOutput: u8,
      videoCoding: u8,
      maxAudioChannels: u8,
      maxVideoChannels: u8,
    }),
  ),
  defineBody(0x1005, 'passengerFlow', 'up', struct({ start: time, end: time, boarded: u16, alighted: u16 })),
  defineBody(
    0x9101,
    'liveAvRequest',
    'down',
    struct({
      ip: described(gbk8, 'the media server address the terminal streams to'),
      tcpPort: described(u16, '0 = no TCP'),
      udpPort: described(u16, '0 = no UDP'),
      channel: described(u8, 'logical channel'),
      dataType: described(u8, '0 audio and video, 1 video, 2 two-way talk, 3 listen, 4 broadcast, 5 passthrough'),
      streamType: described(u8, '0 main stream, 1 sub stream'),
    }),
  ),
  defineBody(
    0x9102,
    'liveAvControl',
    'down',
    struct({
      channel: described(u8, 'logical channel'),
      command: described(u8, '0 close, 1 switch stream, 2 pause, 3 resume, 4 close talk'),
      closeType: described(u8, 'with command 0: 0 close audio and video, 1 audio only, 2 video only'),
      streamType: described(u8, 'with command 1: 0 main stream, 1 sub stream'),
    }),
  ),
  defineBody(0x9105, 'liveAvStatus', 'down', struct({ channel: u8, lossRate: u8 })),
  defineBody(0x9205, 'resourceQuery', 'down', struct(resourceSpec)),
  defineBody(0x1205, 'resourceList', 'up', struct({ ackSerial: u16, items: list(u32, resource) })),
  defineBody(
    0x9201,
    'playbackRequest',
    'down',
    struct({
      ip: gbk8,
      tcpPort: u16,
      udpPort: u16,
      channel: u8,
      mediaType: u8,
      streamType: u8,
      storageType: u8,
      playbackMode: u8,
      speed: u8,
      start: time,
      end: time,
    }),
  ),
  defineBody(0x9202, 'playbackControl', 'down', struct({ channel: u8, control: u8, speed: u8, position: time })),
  defineBody(
    0x9206,
    'fileUploadCommand',
    'down',
    struct({ host: gbk8, port: u16, user: gbk8, password: gbk8, path: gbk8, ...resourceSpec, condition: u8 }),
  ),
  defineBody(0x1206, 'fileUploadDone', 'up', struct({ ackSerial: u16, result: u8 })),
  defineBody(0x9207, 'fileUploadControl', 'down', struct({ ackSerial: u16, control: u8 })),
];
