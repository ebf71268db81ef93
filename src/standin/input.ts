import { z } from 'zod';
import { AppError } from '../errors.js';
import type { JsonObject } from './request.js';

export const MIN_PASSWORD_LENGTH = 8;
// Bounds the scrypt work one request can ask for.
const MAX_PASSWORD_LENGTH = 1024;
const EMAIL_SHAPE = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

function text(field: string) {
  return z.string({
    error: (issue) => (issue.input === undefined ? `${field} is required` : `${field} must be a string`),
  });
}

/** '' and null count as absent for optional fields, the way form-driven clients send them. */
function optional<T extends z.ZodType>(schema: T) {
  return z.preprocess((v) => (v === '' || v === null ? undefined : v), schema.optional());
}

const email = text('email')
  .trim()
  .toLowerCase()
  .max(254, 'email is too long')
  .regex(EMAIL_SHAPE, 'email must be a valid email address');
const password = text('password')
  .min(MIN_PASSWORD_LENGTH, `password must be at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(MAX_PASSWORD_LENGTH, 'password is too long');
const userName = text('user_name')
  .trim()
  .regex(/^[A-Za-z0-9_.-]{3,32}$/, 'user_name must be 3-32 letters, digits, _ . or -');
const userType = text('user_type')
  .trim()
  .regex(/^[A-Za-z0-9_-]{1,32}$/, 'user_type must be 1-32 letters, digits, _ or -');

const registerSchema = z.object({
  email,
  password,
  name: text('name').trim().min(1, 'name is required').max(100, 'name is too long'),
  lastName: optional(text('last_name').trim().max(100, 'last_name is too long')),
  userName: optional(userName),
  userType: optional(userType),
});

export type RegisterInput = z.output<typeof registerSchema>;

const loginSchema = z.object({
  email: optional(text('email').trim().toLowerCase().max(254, 'email is too long')),
  userName: optional(text('user_name').trim().max(64, 'user_name is too long')),
  password: text('password').min(1, 'password is required').max(MAX_PASSWORD_LENGTH, 'password is too long'),
});

export type LoginInput = z.output<typeof loginSchema>;

function parse<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const details = result.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message }));
  throw new AppError('VALIDATION_FAILED', details[0]?.message ?? 'Invalid input', { details });
}

/** Both spellings are read on both register routes; the route's own spelling wins when both appear. */
export function parseRegister(body: JsonObject, style: 'camel' | 'snake'): RegisterInput {
  const pick = (camel: string, snake: string) =>
    style === 'camel' ? (body[camel] ?? body[snake]) : (body[snake] ?? body[camel]);
  return parse(registerSchema, {
    email: body.email,
    password: body.password,
    name: body.name,
    lastName: pick('lastName', 'last_name'),
    userName: pick('userName', 'user_name'),
    userType: pick('userType', 'user_type'),
  });
}

export function parseLogin(body: JsonObject): LoginInput {
  const input = parse(loginSchema, {
    email: body.email,
    userName: body.user_name ?? body.userName,
    password: body.password,
  });
  if (!input.email && !input.userName)
    throw new AppError('VALIDATION_FAILED', 'email or user_name is required', {
      details: [{ field: 'email', message: 'email or user_name is required' }],
    });
  return input;
}
