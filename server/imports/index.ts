export { listImportRuns, getImportRun, importRunReport, isImportRunId, type ImportRun } from './service.js';
