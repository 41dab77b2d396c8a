/**
 * The explorer in a real Chromium against the real server with the demo enterprise:
 * not authorized → token → search → focus → expand → collapse → hide a class → groups
 * (and the element budget) → blast radius (farm member: DEGRADED; database: DOWN up to its
 * business service) → root cause → a viewer's refused action → deep link reload → PNG
 * export. Screenshots land in test-output/e2e/.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Page } from 'playwright-core';
import { appState, idle, launch, shot, type Browser } from './browser.js';

const { url, token, viewerToken, ids, bigHost } = inject('e2e');

async function api<T>(query: string, variables: Record<string, unknown> = {}): Promise<{ data?: T; errors?: { message: string }[] }> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: T; errors?: { message: string }[] };
}

async function servedRootFields(): Promise<Set<string>> {
  const r = await api<{ __type: { fields: { name: string }[] } }>('{ __type(name: "Query") { fields { name } } }');
  return new Set(r.data!.__type.fields.map((f) => f.name));
}

let browser: Browser;
let page: Page;

async function searchAndFocus(text: string, name: string) {
  const box = page.getByTestId('search');
  await box.fill(text);
  const option = page.getByRole('option', { name: new RegExp(`^${name}\\b`) }).first();
  await option.waitFor();
  // Keyboard: move to the option and take it with Enter.
  const options = await page.getByRole('option').allTextContents();
  const index = options.findIndex((o) => o.startsWith(name));
  expect(index).toBeGreaterThanOrEqual(0);
  for (let i = 0; i < index; i++) await box.press('ArrowDown');
  await box.press('Enter');
  await page.getByTestId('details-name').filter({ hasText: name }).waitFor();
  await idle(page);
}

async function expandSelected(direction: 'IN' | 'OUT' | 'BOTH') {
  await page.getByTestId('expand-direction').selectOption(direction);
  await page.getByTestId('expand').click();
  await idle(page);
}

async function select(id: string) {
  await emit(id, 'tap');
  await page.waitForFunction((nodeId) => (window as unknown as { __faultline: { selection: string } }).__faultline.selection === nodeId, id);
}

async function emit(id: string, event: 'tap' | 'dbltap') {
  await page.evaluate(
    ([nodeId, name]) => {
      const cy = (window as unknown as { __faultline: { cy: { getElementById(id: string): { emit(e: string): void } } } }).__faultline.cy;
      cy.getElementById(nodeId!).emit(name!);
    },
    [id, event],
  );
}

beforeAll(async () => {
  browser = await launch();
  page = await browser.context.newPage();
});

afterAll(async () => {
  await browser?.close();
});

describe('web explorer', () => {
  it('says "not authorized" in words without a token, then works with one', async () => {
    await page.goto(`${url}/`);
    const banner = page.getByTestId('not-authorized');
    await banner.waitFor();
    const said = (await banner.textContent()) ?? '';
    expect(said).toContain('Not authorized');
    // Where a token comes from, wherever the server keeps its data.
    expect(said).toContain('npm run token -- <name> <role>');
    expect(said).toContain('FAULTLINE_DATA_DIR');
    await shot(page, '01-not-authorized');
    await page.getByTestId('token-input').fill(token);
    await page.getByTestId('token-input').press('Enter');
    await idle(page);
    expect(await page.getByTestId('canvas-message').textContent()).toContain('Nothing on the canvas yet');
    expect(await page.evaluate(() => localStorage.getItem('faultline.token'))).toBe(token);
  });

  it('finds a CI by type-ahead, focuses it and expands step by step without moving what is drawn', async () => {
    await searchAndFocus('payroll', 'payroll-db');
    let s = await appState(page);
    expect(s.focus).toBe(ids['db:payroll']);
    expect(s.nodes).toEqual([ids['db:payroll']]);

    await expandSelected('IN');
    s = await appState(page);
    expect(s.nodes).toContain(ids['app:payroll']);
    expect(s.nodes).toContain(ids['app:reporting']);
    const before = s.positions;

    await select(ids['app:payroll']!);
    await expandSelected('BOTH');
    s = await appState(page);
    expect(s.nodes).toContain(ids['as:payroll']);
    for (const [id, pos] of Object.entries(before)) expect(s.positions[id]).toEqual(pos);
    await shot(page, '02-expanded');

    await page.getByTestId('collapse').click();
    s = await appState(page);
    expect(s.nodes).not.toContain(ids['as:payroll']);
    expect(s.nodes).toContain(ids['app:payroll']);

    // A new focus on a CI already drawn starts over from where it is; what it brings goes around it.
    const app = s.positions[ids['app:payroll']!]!;
    await page.getByRole('button', { name: 'Focus here' }).click();
    await page.waitForFunction((id) => (window as unknown as { __faultline: { graph: { focus: string } } }).__faultline.graph.focus === id, ids['app:payroll']!);
    await expandSelected('IN');
    s = await appState(page);
    expect(s.positions[ids['app:payroll']!]).toEqual(app);
    expect(s.positions[ids['as:payroll']!]!.y).toBe(app.y - 140);
    expect(s.positions).toEqual(s.modelPositions);
  });

  it('hides a class and bridges it with implied edges', async () => {
    await select(ids['app:payroll']!);
    await expandSelected('OUT');
    const vm = (await appState(page)).visibleNodes.find((n) => n.cls === 'VirtualMachine');
    expect(vm).toBeDefined();
    await select(vm!.id);
    await expandSelected('OUT');
    await page.getByTestId('class-VirtualMachine').uncheck();
    const s = await appState(page);
    expect(s.hidden).toEqual(['VirtualMachine']);
    expect(s.visibleNodes.some((n) => n.cls === 'VirtualMachine')).toBe(false);
    const implied = s.visibleEdges.filter((e) => e.type === 'IMPLIED' && e.from === ids['app:payroll']);
    expect(implied.length).toBeGreaterThan(0);
    expect(implied[0]!.via).toEqual(['VirtualMachine']);
    await page.getByTestId('relayout').click();
    await idle(page);
    await shot(page, '03-hidden-class');
    await page.getByTestId('class-VirtualMachine').check();
  });

  it('groups many neighbours of one class into one node that opens', async () => {
    await searchAndFocus('par-vsphere-1', 'par-vsphere-1');
    await expandSelected('IN');
    const s = await appState(page);
    const group = s.visibleNodes.find((n) => n.members && n.cls === 'VirtualMachine');
    expect(group?.label).toMatch(/^\d+ × VirtualMachine$/);
    await shot(page, '04-grouped');
    await select(group!.id);
    await page.getByTestId('expand-group').click();
    const after = await appState(page);
    expect(after.visibleNodes.filter((n) => n.cls === 'VirtualMachine')).toHaveLength(group!.members!.length);
  });

  it('asks before showing a group separately beyond the element budget; a notice goes with its mode', async () => {
    // The server global-setup imported with 1,000 VMs on it.
    const host = bigHost;
    await searchAndFocus('e2e-big-host', 'e2e-big-host');
    await expandSelected('IN');
    let s = await appState(page);
    const group = s.visibleNodes.find((n) => n.members);
    expect(group?.label).toBe('1000 × VirtualMachine');

    const roots = await servedRootFields();
    if (roots.has('impact')) {
      // A blast radius too big to draw says so, and the notice goes when the mode changes.
      await page.getByTestId('mode-impact').click();
      await page.getByTestId('impact-add-selected').click();
      await page.getByTestId('impact-run').click();
      await idle(page);
      expect(await page.getByTestId('notice').textContent()).toContain('1000 CIs are impacted; only the paths to business services are drawn.');
      await page.getByTestId('impact-sources').getByRole('button', { name: /Remove/ }).click();
      await page.getByTestId('mode-explore').click();
      expect(await page.getByTestId('notice').count()).toBe(0);
    }

    // What a notice says about one CI goes when another is selected.
    await select(host);
    await expandSelected('OUT');
    expect(await page.getByTestId('notice').textContent()).toContain('e2e-big-host has no relationships of that kind.');
    await select(group!.id);
    expect(await page.getByTestId('notice').count()).toBe(0);

    // 1,001 CIs and 1,000 relationships opened: the explorer asks first, as for an expansion.
    await page.getByTestId('expand-group').click();
    const ask = page.getByTestId('budget-ask');
    await ask.waitFor();
    expect(await ask.textContent()).toContain('2,001 elements');
    s = await appState(page);
    expect(s.visibleNodes.map((n) => n.id).sort()).toEqual([group!.id, host].sort());
    await ask.getByRole('button', { name: 'Cancel' }).click();
    expect(await ask.count()).toBe(0);
    expect((await appState(page)).visibleNodes).toHaveLength(2);

    // Double-clicking the group asks the same; "Draw anyway" opens it.
    await emit(group!.id, 'dbltap');
    await ask.waitFor();
    await ask.getByRole('button', { name: 'Draw anyway' }).click();
    s = await appState(page);
    expect(s.visibleNodes).toHaveLength(1001);
    expect(s.visibleNodes.some((n) => n.members)).toBe(false);
    await shot(page, '04b-budget-group-opened');
  });

  it('shows a blast radius: a farm member degrades its farm and the services behind it', async () => {
    const roots = await servedRootFields();
    await searchAndFocus('shop-web-1', 'shop-web-1');
    await page.getByTestId('mode-impact').click();
    if (!roots.has('impact')) {
      expect(await page.getByLabel('Blast radius').textContent()).toContain('does not offer the impact API');
      return;
    }
    await page.getByTestId('impact-add-selected').click();
    await page.getByTestId('impact-run').click();
    await page.getByTestId('impact-result').waitFor();
    await idle(page);
    const s = await appState(page);
    expect(s.overlay![ids['app:shop-web-1']!]).toBe('SOURCE');
    expect(s.overlay![ids['lb:shop-web']!]).toBe('DEGRADED');
    expect(s.overlay![ids['bs:eshop']!]).toBe('DEGRADED');
    const eshop = page.getByTestId('impact-services').getByRole('button', { name: /Online shop/ });
    expect(await eshop.getAttribute('data-state')).toBe('DEGRADED');
    await eshop.click();
    expect(await page.getByTestId('impact-path').textContent()).toMatch(/^shop-web-1 → lb-shop-web → .*Online shop$/);
    expect(s.positions).toEqual(s.modelPositions);
    const degraded = await page.evaluate((id) => (window as unknown as { __faultline: { cy: { getElementById(i: string): { hasClass(c: string): boolean } } } }).__faultline.cy.getElementById(id).hasClass('degraded'), ids['lb:shop-web']!);
    expect(degraded).toBe(true);
    await page.getByTestId('fit').click();
    await shot(page, '05-blast-radius-farm-member');
  });

  it('shows a blast radius: a database takes its business service DOWN', async () => {
    const roots = await servedRootFields();
    if (!roots.has('impact')) return;
    await searchAndFocus('payroll-db', 'payroll-db');
    // The sources list holds shop-web-1 from before; start from this database alone.
    await page.getByTestId('impact-sources').getByRole('button', { name: /Remove/ }).first().click();
    await page.getByTestId('impact-add-selected').click();
    await page.getByTestId('impact-run').click();
    await idle(page);
    const s = await appState(page);
    expect(s.overlay![ids['db:payroll']!]).toBe('SOURCE');
    expect(s.overlay![ids['bs:payroll']!]).toBe('DOWN');
    const payroll = page.getByTestId('impact-services').getByRole('button', { name: /^DOWN Payroll ·|^DOWN Payroll\b/ }).first();
    expect(await payroll.getAttribute('data-state')).toBe('DOWN');
    await payroll.click();
    await page.getByTestId('fit').click();
    await shot(page, '06-blast-radius-database');

    // The same question a day before the demo existed: nothing was there to impact.
    const dayBefore = await page.evaluate(() => {
      const d = new Date(Date.now() - 86_400_000);
      return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
    });
    await page.getByTestId('impact-at').fill(dayBefore);
    await page.getByTestId('impact-run').click();
    await idle(page);
    expect(await page.getByTestId('impact-result').textContent()).toContain('Nothing else is impacted.');
    expect(page.url()).toContain('at=');
    await page.getByRole('button', { name: 'now' }).click();
    await page.getByTestId('impact-run').click();
    await idle(page);
    expect((await appState(page)).overlay![ids['bs:payroll']!]).toBe('DOWN');
  });

  it('ranks root-cause candidates for a set of incidents', async () => {
    const roots = await servedRootFields();
    await page.getByTestId('mode-rootcause').click();
    if (!roots.has('rootCause')) {
      expect(await page.getByLabel('Root cause').textContent()).toContain('does not offer the root-cause API');
      await shot(page, '07-root-cause-unavailable');
      return;
    }
    const create = async (title: string, ci: string) => {
      const r = await api<{ createIncident: { id: string } }>('mutation($i: CreateIncidentInput!) { createIncident(input: $i) { id } }', {
        i: { title, priority: 'P2', affectedCiIds: [ci] },
      });
      expect(r.errors).toBeUndefined();
      return r.data!.createIncident.id;
    };
    const a = await create('Payroll run fails', ids['app:payroll']!);
    const b = await create('Reports are empty', ids['app:reporting']!);
    for (const id of [a, b]) {
      await page.getByPlaceholder('INC-…').fill(id);
      await page.getByPlaceholder('INC-…').press('Enter');
    }
    await page.getByTestId('rootcause-run').click();
    await idle(page);
    const list = page.getByTestId('rootcause-candidates');
    await list.waitFor();
    const items = await list.getByRole('button').allTextContents();
    expect(items.length).toBeGreaterThan(0);
    expect(items.some((t) => t.startsWith('payroll-db'))).toBe(true);
    await list.getByRole('button', { name: /^payroll-db/ }).click();
    await idle(page);
    const basis = (await page.getByTestId('rootcause-basis').textContent()) ?? '';
    expect(basis).toMatch(/\d+ CIs? explains? at least one observed failure/);
    // The demo has no resolved problems or past outages: nothing learnt, and the panel says so.
    expect(basis).toContain('Not learnt yet how outages are reported here');
    await page.getByTestId('fit').click();
    await shot(page, '07-root-cause');

    // The problem manager turns the candidate into a problem gathering both incidents.
    await page.getByTestId('rootcause-open-problem').click();
    await idle(page);
    const opened = (await page.getByTestId('rootcause-problem').textContent()) ?? '';
    const problemId = /PRB-\d+/.exec(opened)?.[0];
    expect(problemId, opened).toBeDefined();
    const problem = await api<{ problem: { title: string; rootCause: { id: string } | null; incidents: { id: string }[] } }>(
      'query($id: ID!) { problem(id: $id) { title rootCause { id } incidents { id } } }',
      { id: problemId },
    );
    expect(problem.errors).toBeUndefined();
    expect(problem.data!.problem.rootCause?.id).toBe(ids['db:payroll']);
    expect(problem.data!.problem.incidents.map((i) => i.id).sort()).toEqual([a, b].sort());
    expect(opened).toContain(problem.data!.problem.title);

    // Those incidents now belong to a problem: no other candidate offers to open another, nor after ranking again.
    const other = items.findIndex((t) => !t.startsWith('payroll-db'));
    if (other >= 0) {
      await list.locator(':scope > li').nth(other).getByRole('button').first().click();
      await idle(page);
      expect(await page.getByTestId('rootcause-open-problem').isDisabled()).toBe(true);
    }
    await page.getByTestId('rootcause-run').click();
    await idle(page);
    await list.getByRole('button', { name: /^payroll-db/ }).click();
    await idle(page);
    expect(await page.getByTestId('rootcause-open-problem').isDisabled()).toBe(true);
    expect(await page.getByTestId('rootcause-open-problem-taken').textContent()).toContain(`${a}, ${b} already belong to ${problemId}`);

    // Once resolved, the problem is among those ranked again in hindsight: its recorded root cause is listed.
    if (!roots.has('rootCauseHindsight')) return;
    for (const to of ['UNDER_INVESTIGATION', 'RESOLVED']) {
      const moved = await api('mutation($id: ID!, $to: ProblemStatus!) { transitionProblem(id: $id, to: $to) { id } }', { id: problemId, to });
      expect(moved.errors).toBeUndefined();
    }
    await page.getByTestId('rootcause-hindsight').locator('summary').click();
    await page.getByTestId('rootcause-hindsight-run').click();
    await idle(page);
    await page.getByTestId('rootcause-hindsight-summary').waitFor();
    expect(await page.getByTestId('rootcause-hindsight-summary').textContent()).toMatch(/^Of \d+ resolved problems?, the recorded root cause came first in \d+ %/);
    const line = (await page.getByTestId('rootcause-hindsight-problems').getByText(problemId!, { exact: true }).locator('..').textContent()) ?? '';
    expect(line).toMatch(/payroll-db ranked \d+/);
    await shot(page, '07b-root-cause-hindsight');
  });

  it('says a role the token lacks next to the action, without locking the explorer; entering a token again recovers', async () => {
    const roots = await servedRootFields();
    if (!roots.has('rootCause')) return;
    const viewer = await browser.context.newPage();
    try {
      await viewer.goto(`${url}/#token=${viewerToken}&mode=rootcause&obs=INC-3,INC-2,INC-1`);
      await idle(viewer);
      const list = viewer.getByTestId('rootcause-candidates');
      await list.waitFor();
      await list.getByRole('button').first().click();
      await idle(viewer);
      await viewer.getByTestId('rootcause-open-problem').click();
      await idle(viewer);
      expect(await viewer.getByTestId('rootcause-open-problem-error').textContent()).toMatch(/^Not allowed with this token: .*problem-manager.*\(you have: viewer\)/);
      expect(await viewer.getByTestId('not-authorized').count()).toBe(0);
      expect(await viewer.getByTestId('search').isDisabled()).toBe(false);
      await shot(viewer, '07c-viewer-refused');
      if (roots.has('rootCauseHindsight')) {
        await viewer.getByTestId('rootcause-hindsight').locator('summary').click();
        await viewer.getByTestId('rootcause-hindsight-run').click();
        await idle(viewer);
        expect(await viewer.getByTestId('rootcause-hindsight-error').textContent()).toContain('problem-manager');
        expect(await viewer.getByTestId('not-authorized').count()).toBe(0);
      }

      // A refused token (a 401, as when it is revoked) asks for one; entering the same one again recovers.
      const refused = JSON.stringify({ errors: [{ message: 'Unknown or revoked token', extensions: { code: 'UNAUTHENTICATED' } }] });
      await viewer.route('**/graphql', (route) => route.fulfill({ status: 401, contentType: 'application/json', body: refused }), { times: 1 });
      await viewer.getByTestId('rootcause-run').click();
      await viewer.getByTestId('not-authorized').waitFor();
      expect(await viewer.getByTestId('search').isDisabled()).toBe(true);
      await viewer.getByTestId('token-input').fill(viewerToken);
      await viewer.getByTestId('token-input').press('Enter');
      await viewer.getByTestId('not-authorized').waitFor({ state: 'detached' });
      await idle(viewer);
      expect(await viewer.getByTestId('search').isDisabled()).toBe(false);
    } finally {
      // The pages share localStorage: the pages opened later sign in as admin again.
      await viewer.evaluate((t) => localStorage.setItem('faultline.token', t), token);
      await viewer.close();
    }
  });

  it('shows open incidents, changes and their collisions in the details, and a change as blast-radius source', async () => {
    const roots = await servedRootFields();
    if (!roots.has('change')) return;
    const db = ids['db:payroll']!;
    const start = Date.now() + 86_400_000;
    const inc = await api<{ createIncident: { id: string } }>('mutation($i: CreateIncidentInput!) { createIncident(input: $i) { id } }', {
      i: { title: 'Payroll DB slow', priority: 'P3', affectedCiIds: [db] },
    });
    expect(inc.errors).toBeUndefined();
    const change = async (title: string) => {
      const r = await api<{ createChange: { id: string } }>('mutation($i: CreateChangeInput!) { createChange(input: $i) { id } }', {
        i: { title, targetCiIds: [db], plannedStart: new Date(start).toISOString(), plannedEnd: new Date(start + 3_600_000).toISOString() },
      });
      expect(r.errors).toBeUndefined();
      return r.data!.createChange.id;
    };
    const patch = await change('Patch Oracle');
    const other = await change('Move payroll VM');
    await page.getByTestId('mode-explore').click();
    await searchAndFocus('payroll-db', 'payroll-db');
    const incidents = page.getByTestId('incidents');
    await incidents.waitFor();
    expect(await incidents.textContent()).toContain('Payroll DB slow');
    const changes = await page.getByTestId('changes').textContent();
    expect(changes).toContain(patch);
    // Among the collisions the panel lists (other changes of the demo data may overlap
    // tomorrow's window too, depending on the time of day, and come first).
    expect(changes).toMatch(new RegExp(`Collides with: (CHG-\\d+ [^;]*; )*${other} Move payroll VM`));
    await shot(page, '07a-details-itsm');

    if (!roots.has('impact')) return;
    await page.getByTestId('mode-impact').click();
    await page.getByPlaceholder('CHG-…').fill(patch);
    await page.getByPlaceholder('CHG-…').press('Enter');
    await page.getByTestId('impact-run').click();
    await idle(page);
    const s = await appState(page);
    expect(s.overlay![ids['bs:payroll']!]).toBe('DOWN');
    expect(await page.getByTestId('impact-sources').textContent()).toContain('Patch Oracle');

    // A change that does not exist: the error, and no figures left from the run before.
    await page.getByPlaceholder('CHG-…').fill('CHG-999999');
    await page.getByPlaceholder('CHG-…').press('Enter');
    await page.getByTestId('impact-run').click();
    await idle(page);
    expect(await page.getByTestId('error').textContent()).toContain('Change CHG-999999 does not exist.');
    expect(await page.getByTestId('impact-result').count()).toBe(0);
    expect((await appState(page)).overlay).toBeNull();
    await page.getByPlaceholder('CHG-…').fill(patch);
    await page.getByPlaceholder('CHG-…').press('Enter');
    await page.getByTestId('impact-run').click();
    await idle(page);
    expect((await appState(page)).overlay![ids['bs:payroll']!]).toBe('DOWN');
  });

  it('restores the view from a deep link', async () => {
    await page.getByTestId('mode-impact').click();
    await idle(page);
    await select(ids['db:payroll']!);
    const link = page.url();
    expect(link).toContain('focus=');
    expect(link).toContain('mode=impact');
    const before = await appState(page);
    const fresh = await browser.context.newPage();
    await fresh.goto(link);
    await idle(fresh);
    const after = await appState(fresh);
    expect(after.focus).toBe(before.focus);
    expect(after.mode).toBe('impact');
    expect(after.selection).toBe(ids['db:payroll']);
    expect(after.nodes).toEqual(before.nodes);
    if (before.overlay) expect(after.overlay).toEqual(before.overlay);
    await fresh.getByTestId('details-name').filter({ hasText: 'payroll-db' }).waitFor();
    await shot(fresh, '08-deep-link-restored');
    await fresh.close();
  });

  it('exports the picture as PNG', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-png').click()]);
    expect(download.suggestedFilename()).toBe('faultline-graph.png');
  });

  it('says in words when the API is down', async () => {
    const down = await browser.context.newPage();
    await down.route('**/graphql', (route) => route.abort('connectionrefused'));
    await down.goto(`${url}/`);
    const message = down.getByTestId('canvas-message');
    await message.filter({ hasText: 'unavailable' }).waitFor();
    await shot(down, '09-api-down');
    await down.close();
  });
});
