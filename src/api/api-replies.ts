/**
 * How the API answers when something is wrong: JSON error bodies of one shape (ApiError, which the
 * console imports), and request bodies checked against a zod schema with a 400 naming each field.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { redact } from '../logger.js';
import type { ApiError } from './api-types.js';

/** Seconds a client should wait before repeating a request that failed for a transient reason. */
export const RETRY_AFTER_SECONDS = 5;

/** An API error body: the stable code, the cause (passwords redacted), and what else is known. */
export function errorBody(code: string, message: string, extra: Omit<ApiError, 'code' | 'message'> = {}): { error: ApiError } {
  return { error: { code, message: redact(message), ...extra } };
}

/** A 400 naming each invalid field of a body. */
export function invalidBody(reply: FastifyReply, err: z.ZodError): FastifyReply {
  const fields = err.issues.map((i) => ({ field: i.path.join('.') || '(body)', message: i.message }));
  return reply.code(400).send(errorBody('PGFERRY_E_USAGE', `invalid request body: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`, { fields }));
}

/** The request body parsed by `schema`, or undefined once a 400 has been sent for it. */
export function parseBody<T extends z.ZodTypeAny>(schema: T, req: FastifyRequest, reply: FastifyReply): z.infer<T> | undefined {
  const r = schema.safeParse(req.body ?? {});
  if (r.success) return r.data;
  invalidBody(reply, r.error);
  return undefined;
}
