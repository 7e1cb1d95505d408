import fc from 'fast-check';
import { byte, dword, edition, gbkText, isoTime, word } from './common.js';
import type { BodyArbitraries } from './common.js';

const any = <T>(a: fc.Arbitrary<T>) => fc.record({ version: edition, body: a });
const when = fc.option(isoTime, { nil: null });
const host = gbkText(40);
const resource = { channel: byte, start: when, end: when, videoAlarm: dword, alarm: dword, mediaType: byte, streamType: byte, storageType: byte };

export const video: BodyArbitraries = {
  0x9003: any(fc.constant({})),
  0x1003: any(
    fc.record({
      audioCoding: byte, audioChannels: byte, sampleRate: byte, sampleBits: byte, audioFrameLength: word,
      audioOutput: byte, videoCoding: byte, maxAudioChannels: byte, maxVideoChannels: byte,
    }),
  ),
  0x1005: any(fc.record({ start: when, end: when, boarded: word, alighted: word })),
  0x9101: any(fc.record({ ip: host, tcpPort: word, udpPort: word, channel: byte, dataType: byte, streamType: byte })),
  0x9102: any(fc.record({ channel: byte, command: byte, closeType: byte, streamType: byte })),
  0x9105: any(fc.record({ channel: byte, lossRate: byte })),
  0x9205: any(fc.record(resource)),
  0x1205: any(fc.record({ ackSerial: word, items: fc.array(fc.record({ ...resource, size: dword }), { maxLength: 12 }) })),
  0x9201: any(
    fc.record({
      ip: host, tcpPort: word, udpPort: word, channel: byte, mediaType: byte, streamType: byte, storageType: byte,
      playbackMode: byte, speed: byte, start: when, end: when,
    }),
  ),
  0x9202: any(fc.record({ channel: byte, control: byte, speed: byte, position: when })),
  0x9206: any(fc.record({ host, port: word, user: gbkText(20), password: gbkText(20), path: gbkText(80), ...resource, condition: byte })),
  0x1206: any(fc.record({ ackSerial: word, result: byte })),
  0x9207: any(fc.record({ ackSerial: word, control: byte })),
};
