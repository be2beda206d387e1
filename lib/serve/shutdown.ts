/**
 * The graceful stop on SIGTERM or SIGINT, in three phases within one
 * deadline:
 * 1. readiness fails, so load balancers stop sending new requests, and every
 *    answer carries `Connection: close`, so each kept-alive connection closes
 *    after its next answer instead of being cut under a request the client
 *    has just sent;
 * 2. the listener stays open until no request has begun or ended for
 *    {@link QUIET_MS} (every client was told to close, or is idle), or for
 *    {@link LINGER_MS} at most, for clients that keep coming;
 * 3. running requests finish, then the listener closes.
 * @module
 */
import type { ModelHolder } from "../http/holder.ts";

/** How long no request may begin or end before the listener closes (ms). */
export const QUIET_MS = 250;
/** The longest the listener stays open waiting for that quiet (ms), at most half the deadline. */
export const LINGER_MS = 3000;

/** What the drain works on. */
export interface DrainDeps {
  /** Readiness and the count of running requests. */
  holder: ModelHolder;
  /** The listener, closed once running requests finished (`Deno.HttpServer`). */
  server: { shutdown(): Promise<void> };
  /** How long the whole drain may take, in ms. */
  timeoutMs: number;
  /** Phase 2's quiet period, in ms (default {@link QUIET_MS}). */
  quietMs?: number;
}

/**
 * Drains the server. Resolves true when every running request finished and
 * the listener closed within the deadline, false when time ran out first.
 */
export async function drain(deps: DrainDeps): Promise<boolean> {
  const { holder, server, timeoutMs, quietMs = QUIET_MS } = deps;
  holder.drain();
  const deadline = Date.now() + timeoutMs;
  await holder.settled(quietMs, Math.min(LINGER_MS, timeoutMs / 2));
  // keep the listener open until running requests finish: Deno's
  // server.shutdown() cuts off request bodies still being received
  if (!await holder.idle(Math.max(0, deadline - Date.now()))) return false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([server.shutdown().then(() => true), expired]);
  } finally {
    clearTimeout(timer);
  }
}
