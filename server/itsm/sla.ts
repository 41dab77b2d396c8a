/**
 * Per-priority resolution targets for the SLA KPI, from FAULTLINE_SLA_TARGETS, e.g.
 * "P1=4h,P2=8h,P3=3d,P4=5d" (units m, h, d). Priorities left out keep their default.
 * A bad value is a ConfigError with one clear line.
 */
import { z } from 'zod';

export const PRIORITIES = ['P1', 'P2', 'P3', 'P4'] as const;
export type Priority = (typeof PRIORITIES)[number];

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const DEFAULT_SLA_TARGETS: Readonly<Record<Priority, number>> = {
  P1: 4 * HOUR,
  P2: 8 * HOUR,
  P3: 3 * DAY,
  P4: 5 * DAY,
};

const UNIT: Record<string, number> = { m: MINUTE, h: HOUR, d: DAY };

const entry = z
  .string()
  .trim()
  .regex(/^P[1-4]\s*=\s*\d+(\.\d+)?\s*[mhd]$/, 'each entry must look like P1=4h (units m, h, d)')
  .transform((text) => {
    const [, priority, amount, unit] = /^(P[1-4])\s*=\s*(\d+(?:\.\d+)?)\s*([mhd])$/.exec(text)!;
    return [priority as Priority, Number(amount) * UNIT[unit!]!] as const;
  })
  .refine(([, ms]) => ms > 0, 'a target must be longer than zero');

export const slaTargetsSchema = z
  .string()
  .transform((text) => text.split(',').filter((part) => part.trim() !== ''))
  .pipe(z.array(entry))
  .transform((entries) => ({ ...DEFAULT_SLA_TARGETS, ...Object.fromEntries(entries) }) as Record<Priority, number>);

export class SlaConfigError extends Error {}

/** The targets from the environment (defaults where unset); throws one line on a bad value. */
export function slaTargetsFromEnv(env: NodeJS.ProcessEnv = process.env): Record<Priority, number> {
  const raw = env.FAULTLINE_SLA_TARGETS;
  if (raw === undefined || raw.trim() === '') return { ...DEFAULT_SLA_TARGETS };
  const result = slaTargetsSchema.safeParse(raw);
  if (result.success) return result.data;
  throw new SlaConfigError(`Invalid configuration: FAULTLINE_SLA_TARGETS: ${result.error.issues[0]!.message} (got "${raw}")`);
}
