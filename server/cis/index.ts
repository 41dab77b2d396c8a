/** The CI domain: what other domains may use. */
export { CIRef, RelationshipRef, PageInfoRef, CIStatusEnum } from './graphql.js';
export { loadCI, loadCIs, ciLoader } from './loaders.js';
export {
  getCI,
  getCIs,
  requireCI,
  findByIdentifiers,
  listCIs,
  relationshipsOf,
  createCI,
  updateCI,
  retireCI,
  createRelationship,
  removeRelationship,
  decodeCI,
  decodeRelationship,
  type CI,
  type Relationship,
  type Author,
} from './service.js';
