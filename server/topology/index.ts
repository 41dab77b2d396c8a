/** The topology version and the in-memory projection of the propagating graph: what other domains may use. */
export { topologyWrite, TopologyChange, TOPOLOGY_CHANGE_KEEP_MS } from './write.js';
export {
  topologyCache,
  readTopologyState,
  readTopologyStateIn,
  loadTopologyProjection,
  updateTopologyProjection,
  MAX_UPDATE_SHARE,
  RENEW_AT_AGE,
  TopologyCache,
  DEFAULT_TOPOLOGY_CACHE_SETTINGS,
  type TopologyState,
  type TopologyProjection,
  type TopologyCacheSettings,
  type ProjectedCI,
} from './projection.js';
