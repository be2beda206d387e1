/**
 * Optional bearer-token auth for the prediction routes.
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { ApiError } from "./errors.ts";

/**
 * Middleware that requires `Authorization: Bearer <token>`. The comparison
 * takes the same time wherever the first difference is, so timing does not
 * reveal the token.
 */
export function bearerAuth(token: string): MiddlewareHandler {
  if (token.length === 0) throw new TypeError("bearerAuth() needs a non-empty token");
  const expected = new TextEncoder().encode(token);
  const encoder = new TextEncoder();
  return async function requireBearer(c, next) {
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer +(\S+)\s*$/i.exec(header);
    if (!match || !equal(encoder.encode(match[1]!), expected)) {
      const error = new ApiError(
        401,
        "unauthorized",
        match ? "Invalid bearer token" : "Missing bearer token",
      );
      error.headers = { "www-authenticate": 'Bearer realm="predict"' };
      throw error;
    }
    await next();
  };
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < b.length; i++) diff |= (a[i] ?? 0) ^ b[i]!;
  return diff === 0;
}
