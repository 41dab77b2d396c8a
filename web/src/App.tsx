/**
 * The explorer: search → focus → expand on a Cytoscape canvas, blast-radius and root-cause
 * overlays, the details panel, and a URL that restores the view. All data comes from the
 * GraphQL API; the graph logic lives in model/ as pure functions.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Core } from 'cytoscape';
import { createClient, describeError, NotAuthorizedError, storedToken, storeToken } from './api.js';
import { fitView, GraphView, type Highlight, type LayoutRequest } from './GraphView.js';
import { Search } from './Search.js';
import { Legend } from './Legend.js';
import { DetailsPanel } from './DetailsPanel.js';
import { ImpactPanel } from './ImpactPanel.js';
import { RootCausePanel, type Action } from './RootCausePanel.js';
import {
  addOverlay,
  classesPresent,
  clearOverlay,
  collapse,
  ELEMENT_BUDGET,
  elementCount,
  emptyState,
  expandGroup,
  focusOn,
  planGroupOpening,
  replaceOverlay,
  setHiddenClasses,
  setPositions,
  visibleElements,
  type CINode,
  type ExpandSpec,
  type GraphState,
  type Plan,
  type Position,
  planExpansion,
} from './model/graph.js';
import { impactOverlay, impactPlacement, pathHighlight, pathToEdges, rootCauseOverlay, type ImpactedCI, type ImpactReport, type RootCauseCandidate } from './model/overlay.js';
import { decodeLink, encodeLink, type LayoutName, type Mode, type ViewLink } from './model/url.js';
import {
  getCI,
  loadCapabilities,
  loadChangeTargets,
  loadHindsight,
  loadImpact,
  loadIncident,
  loadMeta,
  loadRootCause,
  neighbours,
  openIncidentsOn,
  openProblemFromCandidate,
  recentOpenIncidents,
  type AnalysedIncident,
  type Capabilities,
  type Hindsight,
  type IncidentRef,
  type Meta,
  type RootCauseBasis,
} from './queries.js';

type Boot = { status: 'loading' } | { status: 'ready' } | { status: 'unauthorized'; message: string } | { status: 'error'; message: string };

function readInitialLink(): ViewLink {
  const link = decodeLink(window.location.hash);
  if (link.token) {
    storeToken(link.token);
    const { token: _drop, ...rest } = link;
    history.replaceState(null, '', '#' + encodeLink(rest));
    return rest;
  }
  return link;
}

declare global {
  interface Window {
    __faultline?: Record<string, unknown>;
  }
}

export function App() {
  const initial = useMemo(readInitialLink, []);
  const [token, setToken] = useState<string | null>(storedToken());
  /** Bumped each time a token is entered, so entering the same one again asks the API again. */
  const [tokenSeq, setTokenSeq] = useState(0);
  const tokenRef = useRef(token);
  tokenRef.current = token;
  const request = useMemo(() => createClient(() => tokenRef.current), []);

  const [boot, setBoot] = useState<Boot>({ status: 'loading' });
  const [caps, setCaps] = useState<Capabilities | null>(null);
  const [meta, setMeta] = useState<Meta | null>(null);
  const [graph, setGraph] = useState<GraphState>(emptyState);
  const graphRef = useRef(graph);
  graphRef.current = graph;
  const [mode, setMode] = useState<Mode>('explore');
  const [selection, setSelection] = useState<string | null>(null);
  const [layoutName, setLayoutName] = useState<LayoutName>('dagre');
  const [layoutReq, setLayoutReq] = useState<LayoutRequest>({ name: 'dagre', seq: 0 });
  const [sources, setSources] = useState<string[]>([]);
  const [at, setAt] = useState<number | null>(null);
  const [report, setReport] = useState<ImpactReport | null>(null);
  const [impactItem, setImpactItem] = useState<ImpactedCI | null>(null);
  const [observed, setObserved] = useState<string[]>([]);
  const [observedCIs, setObservedCIs] = useState<string[]>([]);
  const [suggestions, setSuggestions] = useState<IncidentRef[] | null>(null);
  const [candidates, setCandidates] = useState<RootCauseCandidate[] | null>(null);
  const [rcBasis, setRcBasis] = useState<RootCauseBasis | null>(null);
  const [rcIncidents, setRcIncidents] = useState<string[]>([]);
  /** Analysed incidents that already belong to a problem (an incident has one): no new problem can gather them. */
  const [rcTaken, setRcTaken] = useState<{ incident: string; problem: string }[]>([]);
  const [opened, setOpened] = useState<{ ciId: string; id: string; title: string } | null>(null);
  const [hindsight, setHindsight] = useState<Hindsight | null>(null);
  const [chosen, setChosen] = useState<string | null>(null);
  const [rcHighlight, setRcHighlight] = useState<Highlight | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [actionError, setActionError] = useState<{ action: Action; message: string } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [pending, setPending] = useState<{ message: string; apply: () => void } | null>(null);
  const [restored, setRestored] = useState(false);
  const [fitSeq, setFitSeq] = useState(0);
  /** Bumped to reload the details panel (a new focus, a mode change) even for the same CI. */
  const [detailsSeq, setDetailsSeq] = useState(0);
  const refit = useCallback(() => setFitSeq((n) => n + 1), []);
  const [tokenInput, setTokenInput] = useState('');
  const cyRef = useRef<Core | null>(null);
  const labels = useRef(new Map<string, string>());

  const visible = useMemo(() => visibleElements(graph), [graph]);
  for (const n of Object.values(graph.nodes)) labels.current.set(n.ci.id, n.ci.name);

  /** Only a refused token (401) asks for another; a refused role (FORBIDDEN) is an error of that one request. */
  const fail = useCallback((e: unknown) => {
    if (e instanceof NotAuthorizedError) setBoot({ status: 'unauthorized', message: e.message });
    else setError(describeError(e));
  }, []);

  /** Runs one user action with a busy message; errors become words, next to the action when it is named. */
  const act = useCallback(
    async (message: string, work: () => Promise<void>, action?: Action) => {
      setBusy(message);
      setError(null);
      setActionError(null);
      try {
        await work();
      } catch (e) {
        if (action && !(e instanceof NotAuthorizedError)) setActionError({ action, message: describeError(e) });
        else fail(e);
      } finally {
        setBusy(null);
      }
    },
    [fail],
  );

  // ---------------------------------------------------------------- modes

  const runImpact = useCallback(
    async (srcs: string[], when: number | null) => {
      setImpactItem(null);
      setNotice(null);
      try {
        const ciIds: string[] = [];
        for (const s of srcs) {
          if (s.startsWith('CHG-')) {
            const change = await loadChangeTargets(request, s);
            if (!change) throw new Error(`Change ${s} does not exist.`);
            labels.current.set(s, `${change.id} ${change.title}`);
            ciIds.push(...change.targets.map((t) => t.id));
          } else ciIds.push(s);
        }
        const r = await loadImpact(request, ciIds, when);
        setReport(r);
        setGraph((prev) => {
          const o = impactOverlay(r);
          const all = replaceOverlay(prev, impactPlacement(r), o.pathEdges);
          if (elementCount(visibleElements(all)) <= ELEMENT_BUDGET) return all;
          // Too many to draw: keep the sources and the paths to business services.
          const onPaths = new Set(r.businessServices.flatMap((b) => b.path.map((p) => p.ci.id)));
          const some = impactPlacement(r).filter((p) => onPaths.has(p.ci.id) || r.sources.some((s) => s.id === p.ci.id));
          setNotice(`${r.totalCount} CIs are impacted; only the paths to business services are drawn.`);
          return replaceOverlay(prev, some, r.businessServices.flatMap((b) => pathToEdges(b.path)));
        });
      } catch (e) {
        // The last result no longer answers what was asked: leave no stale figures or overlay.
        setReport(null);
        setGraph((g) => clearOverlay(g));
        throw e;
      }
      refit();
    },
    [request, refit],
  );

  const runRootCause = useCallback(
    async (obs: string[], c: Capabilities) => {
      setChosen(null);
      setRcHighlight(null);
      setOpened(null);
      const incidentIds = obs.filter((o) => o.startsWith('INC-'));
      const ciIds = obs.filter((o) => !o.startsWith('INC-'));
      let incidents: AnalysedIncident[];
      const cis: CINode[] = [];
      let result: Awaited<ReturnType<typeof loadRootCause>>;
      try {
        incidents = (await Promise.all(incidentIds.map((id) => loadIncident(request, id)))).filter((i): i is AnalysedIncident => i !== null);
        for (const i of incidents) labels.current.set(i.id, `${i.id} ${i.title}`);
        for (const id of ciIds) {
          const known = graphRef.current.nodes[id]?.ci ?? (await getCI(request, id));
          if (known) cis.push(known);
        }
        for (const i of incidents) cis.push(...i.affects);
        result = await loadRootCause(request, incidentIds, ciIds, c.rootCauseBasis);
      } catch (e) {
        // The last ranking no longer answers what was asked: leave no stale candidates or overlay.
        setCandidates(null);
        setRcBasis(null);
        setGraph((g) => clearOverlay(g));
        throw e;
      }
      const { candidates: found, basis } = result;
      setObservedCIs(cis.map((ci) => ci.id));
      setCandidates(found);
      setRcBasis(basis);
      setRcIncidents(incidents.map((i) => i.id));
      setRcTaken(incidents.flatMap((i) => (i.problem ? [{ incident: i.id, problem: i.problem.id }] : [])));
      setGraph((prev) =>
        replaceOverlay(
          prev,
          [...cis.map((ci) => ({ ci, side: 'above' as const })), ...found.map((c) => ({ ci: c.ci, near: c.explains[0]?.id, side: 'below' as const }))],
          [],
        ),
      );
      refit();
    },
    [request, refit],
  );

  const chooseCandidate = useCallback(
    async (id: string | null) => {
      setChosen(id);
      setRcHighlight(null);
      const candidate = candidates?.find((c) => c.ci.id === id);
      if (!candidate) return;
      const explained = new Set(candidate.explains.map((e) => e.id));
      const hl: Highlight = { nodes: [candidate.ci.id, ...explained], edges: [] };
      if (caps?.impact) {
        // Draw how the candidate's failure reaches what it explains.
        const r = await loadImpact(request, [candidate.ci.id], null);
        const reached = r.impacted.filter((i) => explained.has(i.ci.id));
        const edges = reached.flatMap((i) => pathToEdges(i.path));
        const placement = impactPlacement({ ...r, impacted: reached });
        setGraph((prev) => addOverlay(prev, placement, edges));
        hl.nodes.push(...reached.flatMap((i) => i.path.map((p) => p.ci.id)));
        hl.edges = edges.map((e) => `${e.from}>${e.type}>${e.to}`);
      }
      setRcHighlight(hl);
    },
    [candidates, caps, request],
  );

  // ---------------------------------------------------------------- boot and restore

  const restore = useCallback(
    async (link: ViewLink, c: Capabilities) => {
      let g = setHiddenClasses(emptyState(), link.hidden);
      if (link.focus) {
        const ci = await getCI(request, link.focus);
        if (!ci) setNotice('The CI this link points at no longer exists.');
        else {
          g = focusOn(g, ci);
          for (const e of link.expand) {
            if (!g.nodes[e.id]) continue;
            const found = await neighbours(request, e.id, e.direction, e.types);
            g = planExpansion(g, e.id, { direction: e.direction, types: e.types }, found).state;
          }
        }
      }
      setGraph(g);
      setLayoutName(link.layout);
      setSources(link.sources);
      setAt(link.at);
      setObserved(link.observed);
      setMode(link.mode);
      setSelection(link.selection);
      refit();
      // Last, so a failing overlay (a change since deleted, say) leaves the rest of the view.
      if (link.mode === 'impact' && link.sources.length && c.impact) await runImpact(link.sources, link.at);
      if (link.mode === 'rootcause' && link.observed.length && c.rootCause) await runRootCause(link.observed, c);
    },
    [request, runImpact, runRootCause, refit],
  );

  useEffect(() => {
    let live = true;
    setBoot({ status: 'loading' });
    setError(null);
    Promise.all([loadCapabilities(request), loadMeta(request)])
      .then(async ([c, m]) => {
        if (!live) return;
        setCaps(c);
        setMeta(m);
        setBoot({ status: 'ready' });
        if (!restored) {
          await act('Restoring the linked view…', () => restore(initial, c));
          setRestored(true);
        }
      })
      .catch((e: unknown) => {
        if (!live) return;
        if (e instanceof NotAuthorizedError) setBoot({ status: 'unauthorized', message: e.message });
        else setBoot({ status: 'error', message: describeError(e) });
      });
    return () => {
      live = false;
    };
    // Re-run when a token is entered (the same one too: it may work now); restore happens once.
  }, [token, tokenSeq]);

  // The URL follows the view, once the linked view is restored.
  const expandList = useMemo(
    () => Object.entries(graph.expanded).flatMap(([id, specs]) => specs.map((s) => ({ id, direction: s.direction, types: s.types }))),
    [graph.expanded],
  );
  useEffect(() => {
    if (!restored) return;
    const link: ViewLink = { focus: graph.focus, mode, selection, expand: expandList, hidden: graph.hiddenClasses, sources, at, observed, layout: layoutName };
    const hash = '#' + encodeLink(link);
    if (hash !== window.location.hash) history.replaceState(null, '', hash === '#' ? window.location.pathname : hash);
  }, [restored, graph.focus, expandList, graph.hiddenClasses, mode, selection, sources, at, observed, layoutName]);

  // ---------------------------------------------------------------- actions

  /** Selecting another CI ends what the notice said about the last one. */
  const select = (id: string | null) => {
    if (id !== selection) setNotice(null);
    setSelection(id);
  };

  /** Asks before drawing a plan that goes beyond the element budget, else draws it. */
  const drawWithinBudget = (plan: Plan, apply: () => void): boolean => {
    if (plan.over === undefined) return true;
    setPending({
      message: `Drawing this would show ${plan.over.toLocaleString('en')} elements, more than the ${ELEMENT_BUDGET.toLocaleString('en')} that keep the explorer responsive.`,
      apply,
    });
    return false;
  };

  const focus = (ci: CINode) => {
    setGraph((g) => focusOn(g, ci));
    setSelection(ci.id);
    setDetailsSeq((n) => n + 1);
    setReport(null);
    setCandidates(null);
    setNotice(null);
  };

  const expand = (id: string, spec: ExpandSpec) =>
    act(`Expanding ${labels.current.get(id) ?? id}…`, async () => {
      const found = await neighbours(request, id, spec.direction, spec.types);
      const g = graphRef.current;
      const pinned = g.nodes[id] && !g.nodes[id]!.anchors.some((a) => a !== 'overlay') ? { ...g, nodes: { ...g.nodes, [id]: { ...g.nodes[id]!, anchors: [...g.nodes[id]!.anchors, 'pinned' as const] } } } : g;
      const plan = planExpansion(pinned, id, spec, found);
      const before = Object.keys(g.nodes).length;
      const added = Object.keys(plan.state.nodes).length - before;
      if (!drawWithinBudget(plan, () => setGraph(plan.state))) return;
      setGraph(plan.state);
      setNotice(plan.note ?? (found.length === 0 ? `${labels.current.get(id) ?? id} has no relationships of that kind.` : added === 0 ? 'All those neighbours are already shown.' : null));
    });

  /** Shows a group's members separately, asking first when that goes beyond the element budget. */
  const openGroup = (id: string) => {
    const open = () => {
      setGraph((g) => expandGroup(g, id));
      setSelection((s) => (s === id ? null : s));
    };
    if (drawWithinBudget(planGroupOpening(graphRef.current, id), open)) open();
  };

  const openNode = (id: string) => {
    if (graph.groups[id]) openGroup(id);
    else if (graph.expanded[id]?.length) setGraph((g) => collapse(g, id));
    else void expand(id, { direction: 'BOTH', types: [] });
  };

  const onPositions = useCallback((p: Record<string, Position>) => setGraph((g) => setPositions(g, p)), []);

  const exportPng = () => {
    const cy = cyRef.current;
    if (!cy) return;
    const blob = cy.png({ output: 'blob', full: true, scale: 2, bg: '#ffffff' });
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = 'faultline-graph.png';
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };

  const zoomBy = (factor: number) => {
    const cy = cyRef.current;
    if (!cy) return;
    cy.zoom({ level: cy.zoom() * factor, renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 } });
  };

  /** Entering a mode with its inputs set asks the API again, so the view is current (and a link shows the same). */
  const changeMode = (m: Mode) => {
    setMode(m);
    setNotice(null);
    setActionError(null);
    setImpactItem(null);
    setChosen(null);
    setRcHighlight(null);
    setDetailsSeq((n) => n + 1);
    if (m === 'explore') setGraph((g) => clearOverlay(g));
    if (m === 'impact' && m !== mode && sources.length && caps?.impact) void act('Computing the blast radius…', () => runImpact(sources, at));
    if (m === 'rootcause' && m !== mode && observed.length && caps?.rootCause) void act('Ranking root-cause candidates…', () => runRootCause(observed, caps));
  };

  // ---------------------------------------------------------------- derived

  const overlay = useMemo(() => {
    if (mode === 'impact' && report) return impactOverlay(report);
    if (mode === 'rootcause' && candidates) return rootCauseOverlay(candidates, observedCIs, chosen ?? undefined);
    return null;
  }, [mode, report, candidates, observedCIs, chosen]);

  const highlight = useMemo<Highlight | null>(() => {
    if (mode === 'impact' && impactItem) {
      const h = pathHighlight(impactItem);
      return { nodes: h.nodes, edges: h.edges.map((e) => `${e.from}>${e.type}>${e.to}`) };
    }
    if (mode === 'rootcause') return rcHighlight;
    return null;
  }, [mode, impactItem, rcHighlight]);

  const selectedNode = selection ? (graph.nodes[selection]?.ci ?? null) : null;
  const presentClasses = classesPresent(graph);
  const presentTypes = [...new Set(visible.edges.map((e) => e.type))].sort();

  useEffect(() => {
    window.__faultline = { cy: cyRef.current, graph, visible, mode, report, candidates, selection, overlay, restored, busy };
  }, [graph, visible, mode, report, candidates, selection, overlay, restored, busy]);

  // ---------------------------------------------------------------- render

  const tokenForm = (
    <form
      className="token-form"
      onSubmit={(e) => {
        e.preventDefault();
        const t = tokenInput.trim();
        storeToken(t || null);
        setToken(t || null);
        setTokenSeq((n) => n + 1);
        setTokenInput('');
      }}
    >
      <label>
        API token{' '}
        <input type="password" data-testid="token-input" value={tokenInput} onChange={(e) => setTokenInput(e.target.value)} autoComplete="off" placeholder="flt_…" />
      </label>
      <button type="submit">Use token</button>
    </form>
  );

  let canvasMessage: string | null = null;
  if (boot.status === 'loading') canvasMessage = 'Connecting to the Faultline API…';
  else if (boot.status === 'error') canvasMessage = `The Faultline API is unavailable: ${boot.message}`;
  else if (boot.status === 'unauthorized') canvasMessage = null;
  else if (busy && visible.nodes.length === 0) canvasMessage = busy;
  else if (visible.nodes.length === 0 && Object.keys(graph.nodes).length > 0) canvasMessage = 'Every CI on the canvas belongs to a hidden class. Show a class again in the filter.';
  else if (visible.nodes.length === 0) canvasMessage = 'Nothing on the canvas yet. Find a CI with the search box above, then expand its neighbours.';

  return (
    <div className="app">
      <header className="topbar">
        <h1>Faultline</h1>
        <Search request={request} onPick={focus} disabled={boot.status !== 'ready'} />
        <nav className="modes" aria-label="Mode">
          {(
            [
              ['explore', 'Explore'],
              ['impact', 'Blast radius'],
              ['rootcause', 'Root cause'],
            ] as const
          ).map(([m, label]) => (
            <button key={m} type="button" data-testid={`mode-${m}`} aria-pressed={mode === m} className={mode === m ? 'current' : ''} onClick={() => changeMode(m)}>
              {label}
            </button>
          ))}
        </nav>
        <div className="auth">
          {token ? (
            <button
              type="button"
              className="link"
              onClick={() => {
                storeToken(null);
                setToken(null);
              }}
            >
              Forget token
            </button>
          ) : (
            <span className="muted">no token</span>
          )}
        </div>
      </header>

      {boot.status === 'unauthorized' && (
        <div className="banner error" role="alert" data-testid="not-authorized">
          <p>
            <b>Not authorized.</b> The API refused {token ? 'this token' : 'a request without a token'}: {boot.message}. Enter an API token. An admin creates one with{' '}
            <code>npm run token -- &lt;name&gt; &lt;role&gt;</code>; a fresh install&rsquo;s first admin token is <code>FAULTLINE_ADMIN_TOKEN</code> where the server sets it, else in the
            admin token file, <code>admin-token</code> in the server&rsquo;s data directory (<code>data/admin-token</code> unless <code>FAULTLINE_DATA_DIR</code> says otherwise).
          </p>
          {tokenForm}
        </div>
      )}
      {error && (
        <div className="banner error" role="alert" data-testid="error">
          {error}{' '}
          <button type="button" className="link" onClick={() => setError(null)}>
            dismiss
          </button>
        </div>
      )}
      {notice && (
        <div className="banner info" role="status" data-testid="notice">
          {notice}{' '}
          <button type="button" className="link" onClick={() => setNotice(null)}>
            dismiss
          </button>
        </div>
      )}
      {pending && (
        <div className="banner warn" role="alertdialog" aria-label="Too many elements" data-testid="budget-ask">
          {pending.message}{' '}
          <button
            type="button"
            onClick={() => {
              pending.apply();
              setPending(null);
            }}
          >
            Draw anyway
          </button>{' '}
          <button type="button" onClick={() => setPending(null)}>
            Cancel
          </button>
        </div>
      )}

      <main className="body">
        <aside className="left" aria-label="View controls">
          <section>
            <h3>Layout</h3>
            <label>
              <span className="sr-only">Layout</span>
              <select value={layoutName} onChange={(e) => setLayoutName(e.target.value as LayoutName)} data-testid="layout-select">
                <option value="dagre">Hierarchical (dagre)</option>
                <option value="cose">Force-directed (cose)</option>
              </select>
            </label>
            <div className="row">
              <button type="button" data-testid="relayout" onClick={() => setLayoutReq((r) => ({ name: layoutName, seq: r.seq + 1 }))}>
                Re-layout
              </button>
              <button type="button" onClick={() => cyRef.current && fitView(cyRef.current)} data-testid="fit">
                Fit
              </button>
              <button type="button" onClick={() => zoomBy(1.25)} aria-label="Zoom in">
                +
              </button>
              <button type="button" onClick={() => zoomBy(0.8)} aria-label="Zoom out">
                −
              </button>
            </div>
            <button type="button" onClick={exportPng} data-testid="export-png" disabled={visible.nodes.length === 0}>
              Export PNG
            </button>
          </section>
          <section aria-label="Class filter">
            <h3>Classes shown</h3>
            {presentClasses.length === 0 && <p className="muted">None yet.</p>}
            {presentClasses.map((c) => (
              <label key={c} className="check">
                <input
                  type="checkbox"
                  data-testid={`class-${c}`}
                  checked={!graph.hiddenClasses.includes(c)}
                  onChange={(e) => setGraph((g) => setHiddenClasses(g, e.target.checked ? g.hiddenClasses.filter((h) => h !== c) : [...g.hiddenClasses, c]))}
                />
                {c}
              </label>
            ))}
            {graph.hiddenClasses.length > 0 && <p className="muted">Hidden classes are bridged by dashed “implied” edges.</p>}
          </section>
          <Legend classes={presentClasses} types={presentTypes} />
        </aside>

        <div className="stage">
          <GraphView
            visible={visible}
            overlay={overlay}
            highlight={highlight}
            selection={selection}
            layout={layoutReq}
            fitSeq={fitSeq}
            onReady={(cy) => {
              cyRef.current = cy;
            }}
            onSelect={select}
            onOpen={openNode}
            onPositions={onPositions}
          />
          {canvasMessage && (
            <div className="canvas-message" role="status" data-testid="canvas-message">
              {canvasMessage}
            </div>
          )}
          {busy && visible.nodes.length > 0 && (
            <div className="busy" role="status" data-testid="busy">
              {busy}
            </div>
          )}
          <div className="counter muted" data-testid="counter">
            {visible.nodes.length} CIs · {visible.edges.length} relationships on the canvas
          </div>
        </div>

        <aside className="right" aria-label="Details">
          {caps && mode === 'impact' && (
            <ImpactPanel
              available={caps.impact}
              sources={sources}
              sourceNames={(id) => labels.current.get(id) ?? id}
              selection={selectedNode}
              at={at}
              report={report}
              highlighted={impactItem?.ci.id ?? null}
              busy={busy !== null}
              onSources={setSources}
              onAt={setAt}
              onRun={() => void act('Computing the blast radius…', () => runImpact(sources, at))}
              onHighlight={setImpactItem}
            />
          )}
          {caps && mode === 'rootcause' && (
            <RootCausePanel
              available={caps.rootCause}
              incidentsAvailable={caps.incidents}
              incidentListLabel={caps.incidentList ? 'Open incidents' : 'Open incidents on the canvas'}
              observed={observed}
              label={(id) => labels.current.get(id) ?? id}
              selection={selectedNode}
              suggestions={suggestions}
              candidates={candidates}
              chosen={chosen}
              busy={busy !== null}
              onObserved={setObserved}
              onFindIncidents={() =>
                void act('Looking for open incidents…', async () => {
                  const found = caps.incidentList ? await recentOpenIncidents(request) : await openIncidentsOn(request, Object.keys(graph.nodes).slice(0, 200));
                  for (const i of found) labels.current.set(i.id, `${i.id} ${i.title}`);
                  setSuggestions(found);
                })
              }
              onRun={() => void act('Ranking root-cause candidates…', () => runRootCause(observed, caps))}
              onChoose={(id) => void act('Tracing the candidate…', () => chooseCandidate(id))}
              basis={rcBasis}
              analysedIncidents={rcIncidents}
              takenIncidents={rcTaken}
              canOpenProblem={caps.problemFromRootCause || caps.problems}
              opened={opened}
              actionError={actionError}
              onOpenProblem={(candidate) =>
                void act(
                  'Opening a problem…',
                  async () => {
                    const p = await openProblemFromCandidate(request, caps, { id: candidate.ci.id, name: candidate.ci.name }, rcIncidents);
                    setOpened({ ciId: candidate.ci.id, ...p });
                    setRcTaken(rcIncidents.map((incident) => ({ incident, problem: p.id })));
                  },
                  'open-problem',
                )
              }
              hindsight={hindsight}
              onHindsight={
                caps.hindsight ? () => void act('Ranking the latest resolved problems again…', async () => setHindsight(await loadHindsight(request)), 'hindsight') : undefined
              }
            />
          )}
          {caps && meta && selection && (graph.nodes[selection] || graph.groups[selection]) ? (
            <DetailsPanel
              key={`${selection}:${detailsSeq}`}
              request={request}
              caps={caps}
              meta={meta}
              id={selection}
              group={graph.groups[selection] ?? null}
              expanded={Boolean(graph.expanded[selection]?.length)}
              isFocus={graph.focus === selection}
              onExpand={(spec) => void expand(selection, spec)}
              onCollapse={() => setGraph((g) => collapse(g, selection))}
              onExpandGroup={() => openGroup(selection)}
              onFocus={() => selectedNode && focus(selectedNode)}
              onSelect={select}
              memberNames={(ids) => ids.map((id) => ({ id, name: graph.nodes[id]?.ci.name ?? id }))}
            />
          ) : (
            visible.nodes.length > 0 && (
              <section className="details" aria-label="CIs on the canvas">
                <h3>On the canvas</h3>
                <p className="muted">Select a CI to see its details and expand it (or double-click it on the canvas).</p>
                <ul className="plain onCanvas">
                  {visible.nodes.slice(0, 300).map((n) => (
                    <li key={n.id}>
                      <button type="button" className="link" onClick={() => select(n.id)}>
                        {n.label}
                      </button>{' '}
                      <span className="muted">{n.members ? 'group' : n.cls}</span>
                    </li>
                  ))}
                </ul>
              </section>
            )
          )}
        </aside>
      </main>
    </div>
  );
}
