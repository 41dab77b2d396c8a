/** The topology version and the in-memory projection of the propagating graph: what other domains may use. */
export { topologyWrite } from './write.js';
export {
  topologyCache,
  readTopologyState,
  loadTopologyProjection,
  TopologyCache,
  DEFAULT_TOPOLOGY_CACHE_SETTINGS,
  type TopologyState,
  type TopologyProjection,
  type TopologyCacheSettings,
} from './projection.js';
