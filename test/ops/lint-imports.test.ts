/**
 * The house's import rules (.dependency-cruiser.cjs, run by `npm run lint`): the tree obeys
 * them, and a room reaching where it may not (a sink importing the gateway, the codec
 * importing an event, a cycle of value imports) is an error naming the rule.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import t from 'tap';

const ROOT = resolve(import.meta.dirname, '../..');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
const DEPCRUISE = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruiser.mjs');

/** depcruise on `dirs` of `cwd` with the house rules: exit status and output. */
function cruise(cwd: string, dirs: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [DEPCRUISE, ...dirs, '--config', CONFIG], { cwd, encoding: 'utf8' });
  return { status: r.status, out: r.stdout + r.stderr };
}

t.test('the tree obeys the import rules', async (t) => {
  const r = cruise(ROOT, ['decoders', 'events', 'gateway', 'sinks', 'map', 'api', 'server', 'web', 'simulators']);
  t.equal(r.status, 0, r.out);
});

t.test('a forbidden import or a value cycle is an error naming the rule', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dipper-rooms-'));
  const file = (path: string, text: string) => {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  file('tsconfig.json', JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }));
  file('gateway/gateway.ts', 'export const gateway = 1;\n');
  file('sinks/kafka.ts', "import { gateway } from '../gateway/gateway.js';\nexport const kafka = gateway;\n");
  file('events/model.ts', "import { kafka } from '../sinks/kafka.js';\nexport const model = kafka;\n");
  file('decoders/a.ts', "import { b } from './b.js';\nexport const a = () => b;\n");
  file('decoders/b.ts', "import { a } from './a.js';\nexport const b = () => a;\n");
  const r = cruise(dir, ['decoders', 'events', 'gateway', 'sinks']);
  t.not(r.status, 0);
  t.match(r.out, /sinks-imports-decoders-events-only: sinks\/kafka\.ts → gateway\/gateway\.ts/);
  t.match(r.out, /events-imports-decoders-only: events\/model\.ts → sinks\/kafka\.ts/);
  t.match(r.out, /no-circular: decoders\/a\.ts/);
  t.notMatch(r.out, /gateway-imports/, 'the gateway imports nothing: no rule of its own broken');
});

t.test('npm run lint runs the import check', async (t) => {
  const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  t.match(scripts.lint, /lint:imports/);
  t.match(scripts['lint:imports'], /depcruise .*--config \.dependency-cruiser\.cjs/);
});
