/**
 * The few named errors the domain raises. Each maps once, in graphql/errors.ts, to a
 * GraphQL error with the contract's `extensions.code`.
 */
import type { z } from 'zod';

export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'UNAVAILABLE'
  | 'INTERNAL';

export interface FieldIssue {
  /** Where the problem is, e.g. ['input', 'attributes', 'port']. */
  path: (string | number)[];
  message: string;
}

export abstract class FaultlineError extends Error {
  abstract readonly code: ErrorCode;
  readonly details: Record<string, unknown>;
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = new.target.name;
    this.details = details;
  }
}

export class BadUserInputError extends FaultlineError {
  readonly code = 'BAD_USER_INPUT';
  readonly issues: FieldIssue[];
  constructor(message: string, issues: FieldIssue[] = []) {
    super(message, { issues });
    this.issues = issues;
  }
}

export class NotFoundError extends FaultlineError {
  readonly code = 'NOT_FOUND';
}

export class ConflictError extends FaultlineError {
  readonly code = 'CONFLICT';
}

export class UnauthenticatedError extends FaultlineError {
  readonly code = 'UNAUTHENTICATED';
}

export class ForbiddenError extends FaultlineError {
  readonly code = 'FORBIDDEN';
}

export class UnavailableError extends FaultlineError {
  readonly code = 'UNAVAILABLE';
}

/** Turns zod issues into field issues under a path prefix, e.g. ['input']. */
export function zodIssues(error: z.ZodError, prefix: (string | number)[] = []): FieldIssue[] {
  return error.issues.map((issue) => ({
    path: [...prefix, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))],
    message: issue.message,
  }));
}

/** Parses with a zod schema; a failure is a BAD_USER_INPUT naming every bad field. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, prefix: (string | number)[] = ['input']): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = zodIssues(result.error, prefix);
  const summary = issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  throw new BadUserInputError(`Invalid input: ${summary}`, issues);
}
