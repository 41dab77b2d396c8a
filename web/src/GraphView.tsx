/**
 * The Cytoscape canvas. It mirrors `visible` (adds, removes, updates by id, never
 * re-creating the graph): every node is drawn where the model places it, new or not (the
 * model moves nothing already drawn on its own; dragging and a layout write their
 * positions back into it). A full layout runs only when the user asks for one.
 */
import { useEffect, useRef } from 'react';
import cytoscape, { type Core, type ElementDefinition } from 'cytoscape';
import dagre from 'cytoscape-dagre';
import type { Position, Visible, VisibleEdge } from './model/graph.js';
import type { Overlay } from './model/overlay.js';
import type { LayoutName } from './model/url.js';
import { stylesheet } from './style.js';

cytoscape.use(dagre);

export interface Highlight {
  nodes: string[];
  /** `from>type>to` of the highlighted relationships. */
  edges: string[];
}

export interface LayoutRequest {
  name: LayoutName;
  seq: number;
}

interface Props {
  visible: Visible;
  overlay: Overlay | null;
  highlight: Highlight | null;
  selection: string | null;
  layout: LayoutRequest;
  /** Bumped when the view should be fitted after this render (a new overlay, a restored link). */
  fitSeq: number;
  onReady: (cy: Core) => void;
  onSelect: (id: string | null) => void;
  onOpen: (id: string) => void;
  onPositions: (positions: Record<string, Position>) => void;
}

const triple = (e: { from: string; type: string; to: string }) => `${e.from}>${e.type}>${e.to}`;

function edgeData(e: VisibleEdge) {
  return {
    id: e.id,
    source: e.from,
    target: e.to,
    type: e.type,
    triple: triple(e),
    count: e.count ?? 1,
    countLabel: e.count && e.count > 1 ? `× ${e.count}` : '',
    viaLabel: e.via ? `via ${e.via.join(', ')}` : '',
  };
}

export function layoutOptions(name: LayoutName, animate = false): cytoscape.LayoutOptions {
  if (name === 'cose') {
    return { name: 'cose', animate, fit: true, padding: 40, nodeRepulsion: () => 9000, idealEdgeLength: () => 90, randomize: false, numIter: 600 } as cytoscape.LayoutOptions;
  }
  return { name: 'dagre', rankDir: 'TB', nodeSep: 70, rankSep: 90, animate, fit: true, padding: 40 } as cytoscape.LayoutOptions;
}

/** Fits the drawing, but never blows a handful of nodes up to poster size. */
export function fitView(cy: Core, maxZoom = 1.4): void {
  cy.fit(undefined, 40);
  if (cy.zoom() > maxZoom) {
    cy.zoom(maxZoom);
    cy.center();
  }
}

export function GraphView(props: Props) {
  const container = useRef<HTMLDivElement>(null);
  const cyRef = useRef<Core | null>(null);
  const handlers = useRef(props);
  handlers.current = props;

  useEffect(() => {
    const cy = cytoscape({
      container: container.current,
      style: stylesheet(),
      wheelSensitivity: 0.3,
      minZoom: 0.05,
      maxZoom: 4,
      selectionType: 'single',
      boxSelectionEnabled: false,
    });
    cyRef.current = cy;
    cy.on('tap', (ev) => {
      if (ev.target === cy) handlers.current.onSelect(null);
      else if (ev.target.isNode()) handlers.current.onSelect(ev.target.id());
    });
    cy.on('dbltap', 'node', (ev) => handlers.current.onOpen(ev.target.id()));
    cy.on('dragfree', 'node', (ev) => handlers.current.onPositions({ [ev.target.id()]: { ...ev.target.position() } }));
    handlers.current.onReady(cy);
    return () => cy.destroy();
  }, []);

  // Mirror the visible elements.
  useEffect(() => {
    const cy = cyRef.current;
    if (!cy) return;
    const wanted = new Set([...props.visible.nodes.map((n) => n.id), ...props.visible.edges.map((e) => e.id)]);
    const wasEmpty = cy.nodes().length === 0;
    cy.batch(() => {
      cy.elements()
        .filter((el) => !wanted.has(el.id()))
        .remove();
      const add: ElementDefinition[] = [];
      for (const n of props.visible.nodes) {
        const data = { id: n.id, label: n.label, cls: n.cls, status: n.status, criticality: n.criticality ?? 0, group: n.members ? 1 : 0 };
        const el = cy.getElementById(n.id);
        if (el.empty()) add.push({ group: 'nodes', data, position: { ...n.pos } });
        else {
          el.data(data);
          // Where the model has it, unless the user holds it right now (dropping it writes its place back).
          const at = el.position();
          if (!el.grabbed() && (at.x !== n.pos.x || at.y !== n.pos.y)) el.position({ ...n.pos });
        }
      }
      for (const e of props.visible.edges) {
        const el = cy.getElementById(e.id);
        if (el.nonempty()) el.data(edgeData(e));
        else add.push({ group: 'edges', data: edgeData(e) });
      }
      if (add.length) cy.add(add);
      for (const n of props.visible.nodes) cy.getElementById(n.id).toggleClass('focus', n.focus);
    });
    if (wasEmpty && cy.nodes().length) {
      cy.zoom(1.2);
      cy.center();
    }
  }, [props.visible]);

  useEffect(() => {
    const cy = cyRef.current;
    if (cy && props.fitSeq > 0 && cy.nodes().length) fitView(cy);
  }, [props.fitSeq]);

  // Overlay, highlight and selection as classes.
  useEffect(() => {
    const cy = cyRef.current;
    if (!cy) return;
    const { overlay, highlight } = props;
    const pathTriples = new Set(overlay?.pathEdges.map(triple) ?? []);
    const hlNodes = new Set(highlight?.nodes ?? []);
    const hlEdges = new Set(highlight?.edges ?? []);
    cy.batch(() => {
      cy.elements().removeClass('faded down degraded source candidate explained path highlight');
      if (overlay) {
        const candidates = new Set(overlay.candidates);
        cy.nodes().forEach((n) => {
          const state = overlay.states[n.id()];
          if (state) n.addClass(state.toLowerCase());
          else n.addClass('faded');
          if (candidates.has(n.id())) n.addClass('candidate');
        });
        cy.edges().forEach((e) => {
          if (pathTriples.has(e.data('triple'))) e.addClass('path');
          else e.addClass('faded');
        });
      }
      if (highlight) {
        cy.nodes().forEach((n) => {
          if (hlNodes.has(n.id())) n.addClass('highlight');
        });
        cy.edges().forEach((e) => {
          if (hlEdges.has(e.data('triple'))) e.addClass('highlight');
        });
      }
      cy.elements(':selected').unselect();
      if (props.selection) cy.getElementById(props.selection).select();
    });
  }, [props.overlay, props.highlight, props.selection, props.visible]);

  // A full layout, when asked for.
  useEffect(() => {
    const cy = cyRef.current;
    if (!cy || props.layout.seq === 0 || cy.nodes().length === 0) return;
    const layout = cy.layout(layoutOptions(props.layout.name));
    layout.one('layoutstop', () => {
      fitView(cy);
      const positions: Record<string, Position> = {};
      cy.nodes().forEach((n) => {
        positions[n.id()] = { ...n.position() };
      });
      handlers.current.onPositions(positions);
    });
    layout.run();
  }, [props.layout]);

  return <div ref={container} className="canvas" data-testid="canvas" aria-label="Dependency graph canvas" role="img" />;
}
