/**
 * The demo's ITSM story, relative to the time it is loaded, so a newcomer can try both
 * questions at once:
 * - Root cause: the catalogue database had a parameter change 40 minutes before the
 *   storefront, product search and recommendations started failing (plus one unrelated
 *   payroll incident as noise).
 * - Blast radius and collisions: next Saturday, two overlapping changes each take down one
 *   member of the two-member pg-orders cluster — harmless alone, an outage together.
 * - A known error: intermittent SSO timeouts, with a workaround.
 * Loaded once: a second run finds the marker incident and leaves everything as it is.
 */
import type { Graph } from '../../server/db/index.js';
import { createIncident, transitionIncident } from '../../server/incidents/index.js';
import { createProblem, transitionProblem } from '../../server/problems/index.js';
import { createChange, recordImplementedChange, transitionChange } from '../../server/changes/index.js';

const MARKER = 'Storefront returns errors on product pages';
const WHO = { actor: 'demo loader' };
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const ALREADY_LOADED = `
MATCH (i:Incident {title: $title})
RETURN count(i) AS n
`;

export async function loadDemoItsm(graph: Graph, ids: ReadonlyMap<string, string>): Promise<boolean> {
  const [row] = await graph.read(ALREADY_LOADED, { title: MARKER });
  if (Number(row?.n ?? 0) > 0) return false;
  const id = (key: string) => {
    const found = ids.get(key);
    if (!found) throw new Error(`demo ITSM: unknown demo CI ${key}`);
    return found;
  };
  const now = Date.now();
  const firstFailure = now - 50 * MINUTE;

  await recordImplementedChange(graph, { title: 'Tune catalog-db connection limits', targetCiIds: [id('db:catalog')], implementedAt: firstFailure - 40 * MINUTE }, WHO);
  await recordImplementedChange(graph, { title: 'Rotate TLS certificate on lb-crm-web', targetCiIds: [id('lb:crm')], implementedAt: now - 26 * HOUR }, WHO);

  const storefront = await createIncident(graph, { title: MARKER, priority: 'P1', affectedCiIds: [id('as:storefront')], openedAt: firstFailure }, WHO);
  await transitionIncident(graph, storefront.id, 'IN_PROGRESS', { actor: 'gina.rossi', at: firstFailure + 5 * MINUTE });
  await createIncident(graph, { title: 'Product search times out', priority: 'P2', affectedCiIds: [id('ctr:search')], openedAt: firstFailure + 4 * MINUTE }, WHO);
  await createIncident(graph, { title: 'No recommendations shown', priority: 'P3', affectedCiIds: [id('ctr:reco')], openedAt: firstFailure + 9 * MINUTE }, WHO);
  await createIncident(graph, { title: 'Payroll export slow', priority: 'P4', affectedCiIds: [id('app:payroll')], openedAt: now - 3 * HOUR }, WHO);

  const sso1 = await createIncident(graph, { title: 'SSO login timeout', priority: 'P3', affectedCiIds: [id('as:sso')], openedAt: now - 6 * 24 * HOUR }, WHO);
  const sso2 = await createIncident(graph, { title: 'Customer care cannot log in', priority: 'P2', affectedCiIds: [id('bs:customer-care')], openedAt: now - 4 * 24 * HOUR }, WHO);
  for (const incident of [sso1, sso2]) {
    await transitionIncident(graph, incident.id, 'IN_PROGRESS', { actor: 'alice.martin', at: incident.openedAt + 30 * MINUTE });
    await transitionIncident(graph, incident.id, 'RESOLVED', { actor: 'alice.martin', at: incident.openedAt + 3 * HOUR });
  }
  const problem = await createProblem(
    graph,
    { title: 'Intermittent SSO timeouts', incidentIds: [sso1.id, sso2.id], rootCauseCiId: id('app:sso'), workaround: 'Restart the sso-keycloak pod; sessions survive.' },
    { actor: 'alice.martin', at: now - 2 * 24 * HOUR },
  );
  await transitionProblem(graph, problem.id, 'UNDER_INVESTIGATION', { actor: 'alice.martin', at: now - 2 * 24 * HOUR });
  await transitionProblem(graph, problem.id, 'KNOWN_ERROR', { actor: 'alice.martin', at: now - 24 * HOUR });

  const saturday = new Date(now);
  saturday.setUTCDate(saturday.getUTCDate() + ((6 - saturday.getUTCDay() + 7) % 7 || 7));
  saturday.setUTCHours(22, 0, 0, 0);
  const start = saturday.getTime();
  const a = await createChange(graph, { title: 'Patch the VM under pg-orders-1', targetCiIds: [id('db:pg-orders-1')], plannedStart: start, plannedEnd: start + 2 * HOUR }, WHO);
  const b = await createChange(graph, { title: 'Upgrade PostgreSQL on pg-orders-2', targetCiIds: [id('db:pg-orders-2')], plannedStart: start + HOUR, plannedEnd: start + 3 * HOUR }, WHO);
  await transitionChange(graph, a.id, 'ASSESSMENT', WHO);
  await transitionChange(graph, b.id, 'ASSESSMENT', WHO);
  await createChange(graph, { title: 'Replace par-core-sw1 line card', targetCiIds: [id('net:par-core-1')], plannedStart: start + 26 * HOUR, plannedEnd: start + 28 * HOUR }, WHO);
  return true;
}
