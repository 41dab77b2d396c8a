/** Incidents: what other domains may use. */
export {
  INCIDENT_STATUSES,
  INCIDENT_LIFECYCLE,
  OPEN_INCIDENT_STATUSES,
  createIncident,
  transitionIncident,
  getIncident,
  getIncidents,
  incidentsOfCIs,
  incidentsOfProblems,
  listIncidents,
  isIncidentId,
  type Incident,
  type IncidentStatus,
  type CreateIncidentInput,
  type IncidentFilter,
} from './service.js';
