/**
 * Headless Chromium from Debian (scripts/chromium.sh installs it on first use), driven by
 * playwright-core with executablePath set: never a downloaded browser. Each context gets a
 * fresh profile folder (--user-data-dir through launchPersistentContext), removed at teardown.
 * WebGL runs on SwiftShader (ANGLE over Vulkan) with no extra flag in Chromium 156 here;
 * --enable-unsafe-swiftshader keeps it that way where Chromium asks for the opt-in.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { until } from '../../gateway/helpers/http.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const ARTIFACTS = join(root, 'test/web/artifacts');

export const LAUNCH_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--enable-unsafe-swiftshader',
];

let executable: string | undefined;

/** The system Chromium's path, installing Debian's package on first use. */
export function chromiumPath(): string {
  if (executable) return executable;
  try {
    executable = execFileSync(join(root, 'scripts/chromium.sh'), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  } catch (e) {
    throw new Error(`no Chromium for the browser tests: run scripts/chromium.sh as root (it installs Debian's chromium with apt-get): ${(e as Error).message}`, { cause: e });
  }
  return executable;
}

interface Teardown {
  teardown(fn: () => unknown): void;
}

/** A fresh browser profile; the page's console errors are collected for the test to show. */
export async function openBrowser(
  t: Teardown,
  viewport = { width: 1100, height: 700 },
  /** the browser's language (navigator.languages, Accept-Language) and time zone */
  options: { locale?: string; timezoneId?: string } = {},
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const profile = mkdtempSync(join(tmpdir(), 'dipper-chromium-'));
  // Playwright's own waits (30 s by default: the launch, then every action) get no deadline either
  const context = await chromium.launchPersistentContext(profile, { executablePath: chromiumPath(), headless: true, args: LAUNCH_FLAGS, viewport, timeout: 0, ...options });
  context.setDefaultTimeout(0);
  t.teardown(async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  // Chromium's own GPU diagnostics (SwiftShader stalls on the screenshots' ReadPixels) are not the page's
  page.on('console', (m) => m.type() === 'error' && !m.text().includes('GL Driver Message') && errors.push(`console: ${m.text()}`));
  return { context, page, errors };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

/** The page's published state (#state data attributes). */
export function readState(page: Page): Promise<Record<string, string>> {
  return page.evaluate(() => ({ ...(globalThis as unknown as InPage).document.getElementById('state')!.dataset }));
}

/** The little of the page's globals the tests touch (this project type-checks without the DOM lib). */
export interface InPage {
  document: { getElementById(id: string): { dataset: Record<string, string>; getBoundingClientRect(): { left: number; top: number } } | null };
  localStorage: { getItem(key: string): string | null };
  dipperMap: {
    jumpTo(options: { zoom?: number; center?: [number, number] }): void;
    getLayoutProperty(layer: string, property: string): unknown;
    getPaintProperty(layer: string, property: string): unknown;
    getLayer(id: string): unknown;
    queryRenderedFeatures(options: { layers: string[] }): { properties: Record<string, unknown>; geometry: { coordinates: [number, number] } }[];
    project(lngLat: [number, number]): { x: number; y: number };
    querySourceFeatures(source: string): unknown[];
    getSource(id: string): { getData(): Promise<unknown> } | undefined;
  };
}

/** Waits until the state satisfies `check` (polled; no deadline, as `until`), giving that state. */
export function waitForState(page: Page, what: string, check: (s: Record<string, string>) => boolean): Promise<Record<string, string>> {
  return until(what, async () => {
    const s = await readState(page);
    return check(s) && s;
  });
}
