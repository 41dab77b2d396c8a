/**
 * Debian's Chromium driven by playwright-core (browsers cannot be downloaded here), with
 * the launch options LOCAL-SERVICES.md lists, and helpers to read the explorer's state.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const SHOTS = 'test-output/e2e';

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launch(): Promise<Browser> {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-e2e-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1440, height: 900 },
    acceptDownloads: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  mkdirSync(SHOTS, { recursive: true });
  return {
    context,
    async close() {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

export interface AppState {
  nodes: string[];
  visibleNodes: { id: string; label: string; cls: string; members?: string[] }[];
  visibleEdges: { id: string; type: string; from: string; to: string; via?: string[] }[];
  focus: string | null;
  mode: string;
  selection: string | null;
  hidden: string[];
  restored: boolean;
  busy: string | null;
  overlay: Record<string, string> | null;
  /** Where the canvas draws each node. */
  positions: Record<string, { x: number; y: number }>;
  /** Where the model places each visible node: the canvas must agree. */
  modelPositions: Record<string, { x: number; y: number }>;
  cyNodes: number;
}

/** The explorer's state as the app exposes it on window.__faultline (for tests only). */
export async function appState(page: Page): Promise<AppState> {
  return page.evaluate(() => {
    const f = (window as unknown as { __faultline: Record<string, any> }).__faultline; // eslint-disable-line @typescript-eslint/no-explicit-any
    const cy = f.cy;
    const positions: Record<string, { x: number; y: number }> = {};
    cy?.nodes().forEach((n: { id(): string; position(): { x: number; y: number } }) => {
      positions[n.id()] = { ...n.position() };
    });
    const modelPositions: Record<string, { x: number; y: number }> = {};
    for (const n of f.visible.nodes as { id: string; pos: { x: number; y: number } }[]) modelPositions[n.id] = { ...n.pos };
    return {
      nodes: Object.keys(f.graph.nodes).sort(),
      visibleNodes: f.visible.nodes.map((n: Record<string, unknown>) => ({ id: n.id, label: n.label, cls: n.cls, members: n.members })),
      visibleEdges: f.visible.edges,
      focus: f.graph.focus,
      mode: f.mode,
      selection: f.selection,
      hidden: f.graph.hiddenClasses,
      restored: f.restored,
      busy: f.busy,
      overlay: f.overlay ? f.overlay.states : null,
      positions,
      modelPositions,
      cyNodes: cy ? cy.nodes().length : 0,
    };
  });
}

/** Waits until the app is restored and idle. */
export async function idle(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const f = (window as unknown as { __faultline?: { restored: boolean; busy: string | null } }).__faultline;
    return Boolean(f?.restored) && f?.busy === null;
  });
}
