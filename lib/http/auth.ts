/**
 * Optional bearer-token auth for the prediction routes.
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { ApiError } from "./errors.ts";

/** Checks an `Authorization` header value; throws a 401 {@link ApiError} when it fails. */
export type BearerCheck = (header: string | null | undefined) => void;

/**
 * Builds the check for `token`. The comparison takes the same time wherever
 * the first difference is, so timing does not reveal the token.
 */
export function bearerCheck(token: string): BearerCheck {
  if (token.length === 0) throw new TypeError("bearerCheck() needs a non-empty token");
  const encoder = new TextEncoder();
  const expected = encoder.encode(token);
  return function checkBearer(header) {
    const match = /^Bearer +(\S+)\s*$/i.exec(header ?? "");
    if (!match || !equal(encoder.encode(match[1]!), expected)) {
      const error = new ApiError(
        401,
        "unauthorized",
        match ? "Invalid bearer token" : "Missing bearer token",
      );
      error.headers = { "www-authenticate": 'Bearer realm="predict"' };
      throw error;
    }
  };
}

/** Middleware that requires `Authorization: Bearer <token>`. */
export function bearerAuth(token: string): MiddlewareHandler {
  const check = bearerCheck(token);
  return async function requireBearer(c, next) {
    check(c.req.header("authorization"));
    await next();
  };
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < b.length; i++) diff |= (a[i] ?? 0) ^ b[i]!;
  return diff === 0;
}
