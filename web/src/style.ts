/**
 * How the picture reads: a shape and colour per CI class, a line style per relationship
 * type, arrows from dependent to provider. Red and amber are kept for DOWN and DEGRADED,
 * so no class uses them. Shared by the canvas and the legend.
 */
import type { StylesheetJson } from 'cytoscape';

export interface ClassLook {
  shape: string;
  color: string;
}

export const CLASS_LOOK: Record<string, ClassLook> = {
  BusinessService: { shape: 'round-octagon', color: '#6a1b9a' },
  ApplicationService: { shape: 'round-hexagon', color: '#4527a0' },
  Application: { shape: 'round-rectangle', color: '#1565c0' },
  Database: { shape: 'barrel', color: '#00838f' },
  Server: { shape: 'rectangle', color: '#37474f' },
  VirtualMachine: { shape: 'ellipse', color: '#0277bd' },
  Container: { shape: 'round-tag', color: '#2e7d32' },
  Cluster: { shape: 'round-pentagon', color: '#5d4037' },
  LoadBalancer: { shape: 'diamond', color: '#00695c' },
  NetworkDevice: { shape: 'triangle', color: '#283593' },
  StorageDevice: { shape: 'cut-rectangle', color: '#4e342e' },
  Location: { shape: 'vee', color: '#616161' },
  Computer: { shape: 'rhomboid', color: '#455a64' },
  User: { shape: 'ellipse', color: '#ad1457' },
  Group: { shape: 'round-diamond', color: '#880e4f' },
  OrganizationalUnit: { shape: 'concave-hexagon', color: '#6d4c41' },
};

export const FALLBACK_LOOK: ClassLook = { shape: 'ellipse', color: '#424242' };

export function lookOf(cls: string): ClassLook {
  return CLASS_LOOK[cls] ?? FALLBACK_LOOK;
}

export interface EdgeLook {
  line: 'solid' | 'dashed' | 'dotted';
  color: string;
  width: number;
}

export const EDGE_LOOK: Record<string, EdgeLook> = {
  DEPENDS_ON: { line: 'solid', color: '#37474f', width: 2.5 },
  RUNS_ON: { line: 'solid', color: '#1565c0', width: 2 },
  HOSTED_ON: { line: 'dashed', color: '#1565c0', width: 2 },
  HAS_MEMBER: { line: 'solid', color: '#5d4037', width: 3.5 },
  LOCATED_IN: { line: 'dashed', color: '#757575', width: 1.5 },
  CONNECTED_TO: { line: 'solid', color: '#283593', width: 1.5 },
  MEMBER_OF: { line: 'dotted', color: '#9e9e9e', width: 1.5 },
  CONTAINED_IN: { line: 'dotted', color: '#9e9e9e', width: 1.5 },
  OWNED_BY: { line: 'dotted', color: '#ad1457', width: 1.5 },
  MANAGED_BY: { line: 'dotted', color: '#ad1457', width: 1.5 },
  ASSIGNED_TO: { line: 'dotted', color: '#ad1457', width: 1.5 },
  IMPLIED: { line: 'dashed', color: '#6d4c41', width: 2 },
};

export const FALLBACK_EDGE: EdgeLook = { line: 'solid', color: '#616161', width: 1.5 };

export function edgeLookOf(type: string): EdgeLook {
  return EDGE_LOOK[type] ?? FALLBACK_EDGE;
}

export const DOWN = '#c62828';
export const DEGRADED = '#f9a825';
export const HIGHLIGHT = '#0d47a1';

export function stylesheet(): StylesheetJson {
  const classRules = Object.entries(CLASS_LOOK).map(([cls, look]) => ({
    selector: `node[cls = "${cls}"]`,
    style: { shape: look.shape, 'background-color': look.color },
  }));
  const edgeRules = Object.entries(EDGE_LOOK).map(([type, look]) => ({
    selector: `edge[type = "${type}"]`,
    style: { 'line-style': look.line, 'line-color': look.color, 'target-arrow-color': look.color, 'source-arrow-color': look.color, width: look.width },
  }));
  return [
    {
      selector: 'node',
      style: {
        shape: FALLBACK_LOOK.shape,
        'background-color': FALLBACK_LOOK.color,
        width: 34,
        height: 34,
        label: 'data(label)',
        'font-size': 11,
        'font-family': 'Liberation Sans, Arial, sans-serif',
        color: '#111',
        'text-valign': 'bottom',
        'text-margin-y': 4,
        'text-background-color': '#fff',
        'text-background-opacity': 0.85,
        'text-background-padding': '2px',
        'text-max-width': '120px',
        'text-wrap': 'ellipsis',
        'min-zoomed-font-size': 7,
        'border-width': 2,
        'border-color': '#fff',
      },
    },
    ...classRules,
    { selector: 'node[status = "RETIRED"]', style: { 'background-opacity': 0.35, 'border-style': 'dashed', 'border-color': '#424242' } },
    { selector: 'node[status = "GROUP"]', style: { width: 48, height: 48, 'border-width': 4, 'border-style': 'double', 'border-color': '#212121', 'font-weight': 'bold' } },
    { selector: 'node.focus', style: { 'border-width': 5, 'border-color': '#0d47a1', width: 44, height: 44 } },
    { selector: 'node:selected', style: { 'border-width': 6, 'border-color': '#000', 'border-style': 'double', 'overlay-opacity': 0 } },
    {
      selector: 'edge',
      style: {
        'curve-style': 'bezier',
        'target-arrow-shape': 'triangle',
        'arrow-scale': 1.1,
        width: FALLBACK_EDGE.width,
        'line-color': FALLBACK_EDGE.color,
        'target-arrow-color': FALLBACK_EDGE.color,
      },
    },
    ...edgeRules,
    { selector: 'edge[type = "HAS_MEMBER"]', style: { 'source-arrow-shape': 'diamond' } },
    { selector: 'edge[count > 1]', style: { label: 'data(countLabel)', 'font-size': 10, 'text-background-color': '#fff', 'text-background-opacity': 0.9, color: '#111' } },
    { selector: 'edge[type = "IMPLIED"]', style: { label: 'data(viaLabel)', 'font-size': 9, color: '#4e342e', 'text-background-color': '#fff', 'text-background-opacity': 0.9, 'text-rotation': 'autorotate' } },
    // Overlays (blast radius, root cause)
    { selector: '.faded', style: { opacity: 0.18 } },
    { selector: 'node.down', style: { 'background-color': DOWN, 'border-color': '#7f0000', 'border-width': 3 } },
    { selector: 'node.degraded', style: { 'background-color': DEGRADED, 'border-color': '#8d6e00', 'border-width': 3 } },
    { selector: 'node.source', style: { 'background-color': DOWN, 'border-color': '#000', 'border-width': 6, width: 44, height: 44 } },
    { selector: 'node.explained', style: { 'background-color': DOWN, 'border-color': '#4a148c', 'border-width': 4 } },
    // After down and explained: an observed CI that is also a candidate is red with the candidate's border.
    { selector: 'node.candidate', style: { 'border-color': '#4a148c', 'border-width': 6, width: 44, height: 44 } },
    { selector: 'edge.path', style: { 'line-color': '#b71c1c', 'target-arrow-color': '#b71c1c', width: 3.5, opacity: 1 } },
    { selector: '.highlight', style: { opacity: 1, 'z-index': 10 } },
    // Highlight in deep blue: far from the red and amber of the states it sits on.
    { selector: 'node.highlight', style: { 'border-color': HIGHLIGHT, 'border-width': 7 } },
    { selector: 'edge.highlight', style: { 'line-color': HIGHLIGHT, 'target-arrow-color': HIGHLIGHT, width: 6 } },
  ] as StylesheetJson;
}
