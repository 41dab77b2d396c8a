/**
 * Real topologies for the fault-injection evaluation (`npm run eval:rca -- --topology
 * microdep`): the 20 MicroDepGraph graphs (test/topologies/microdep.ts), one topology each,
 * pooled in one table row. Roots are drawn uniformly among the dataset's own CIs (not the
 * BusinessService the loader adds on the entry points: it is ours, and its failure is
 * trivially its own only observation).
 */
import { microdepCMDB, microdepProjects, readMicroDep } from '../topologies/microdep.js';
import type { TopologySource } from './evaluate.js';

export function microdepTopologies(projects: readonly string[] = microdepProjects()): TopologySource[] {
  const group = `MicroDepGraph (${projects.length} real graphs)`;
  return projects.map((project, k) => {
    const data = microdepCMDB(readMicroDep(project));
    return {
      group,
      label: project,
      seed: k + 1,
      size: data.cis.length,
      data,
      rootPool: data.cis.filter((c) => c.class !== 'BusinessService').map((c) => c.id),
    };
  });
}
