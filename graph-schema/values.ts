/** Value sets shared by every CI. */
import { z } from 'zod';

export const CI_STATUSES = ['PLANNED', 'ACTIVE', 'MAINTENANCE', 'RETIRED'] as const;
export type CIStatus = (typeof CI_STATUSES)[number];
export const ciStatusSchema = z.enum(CI_STATUSES);

/** 1 = most critical ... 5 = least. */
export const criticalitySchema = z.number().int().min(1).max(5);
