import fc from 'fast-check';
import { bytesOf, byte, dword, edition, gbkText, isoTime, word } from './common.js';
import type { BodyArbitraries } from './common.js';

const any = <T>(a: fc.Arbitrary<T>) => fc.record({ version: edition, body: a });
const identifier = fc.record({ terminalId: gbkText(7), time: fc.option(isoTime, { nil: null }), seq: byte, attachments: byte, reserved: byte });
const fileInfo = fc.record({ name: gbkText(60), fileType: byte, size: dword });

export const jsatl12: BodyArbitraries = {
  0x9208: any(fc.record({ ip: gbkText(40), tcpPort: word, udpPort: word, identifier, alarmNo: gbkText(32), reserved: bytesOf(16, 16) })),
  0x1210: any(
    fc.record({
      terminalId: gbkText(7), identifier, alarmNo: gbkText(32), infoType: byte,
      files: fc.array(fc.record({ name: gbkText(50), size: dword }), { maxLength: 6 }),
    }),
  ),
  0x1211: any(fileInfo),
  0x1212: any(fileInfo),
  0x9212: any(
    fc.record({ name: gbkText(50), fileType: byte, result: byte, resend: fc.array(fc.record({ offset: dword, length: dword }), { maxLength: 10 }) }),
  ),
};
