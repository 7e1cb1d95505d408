/** Command names: the codec's (decoders/bodies), one vocabulary for the route, the codec and the docs. */
import t from 'tap';
import { codecFor } from '../../decoders/index.js';
import { COMMANDS, DEPRECATED_NAMES, commandId } from '../../events/commands.js';

// the downlink names of the codec's body table (decoders/bodies/*.ts), written out by hand
const CODEC_NAMES: [number, string][] = [
  [0x8201, 'positionQuery'],
  [0x8202, 'temporaryTracking'],
  [0x8203, 'manualAlarmConfirmation'],
  [0x8300, 'textMessage'],
  [0x8103, 'setParameters'],
  [0x8104, 'queryAllParameters'],
  [0x8106, 'queryParameters'],
  [0x8105, 'terminalControl'],
  [0x8500, 'vehicleControl'],
  [0x8801, 'cameraShootCommand'],
  [0x8802, 'storedMediaSearch'],
  [0x8803, 'storedMediaUpload'],
  [0x8805, 'singleStoredMediaUpload'],
  [0x9101, 'liveAvRequest'],
  [0x9102, 'liveAvControl'],
];

t.test('each command is named as its codec names it', async (t) => {
  t.same([...COMMANDS].map(([id, k]) => [id, k.name]), CODEC_NAMES);
  for (const [id, k] of COMMANDS) t.equal(k.name, codecFor(id)?.name, `0x${id.toString(16)}`);
});

t.test('a command is found by number, hex string or name', async (t) => {
  for (const [id, name] of CODEC_NAMES) {
    t.equal(commandId(name), id, name);
    t.equal(commandId(id), id);
    t.equal(commandId(`0x${id.toString(16)}`), id);
  }
  t.equal(commandId('selfDestruct'), undefined);
  t.equal(commandId(0x8100), undefined, 'a codec name that is not a command');
  t.equal(commandId('registrationResponse'), undefined, 'a codec name that is not a command, by name');
});

t.test('the route\'s old names are still accepted, as the same messages', async (t) => {
  const old: [string, number][] = [
    ['alarmConfirmation', 0x8203],
    ['text', 0x8300],
    ['queryParametersById', 0x8106],
    ['takePhoto', 0x8801],
    ['liveVideoRequest', 0x9101],
    ['liveVideoControl', 0x9102],
  ];
  t.same([...DEPRECATED_NAMES], old);
  for (const [name, id] of old) t.equal(commandId(name), id, name);
  // the one old name the codec gives to another message follows the codec
  t.equal(commandId('queryParameters'), 0x8106);
});
