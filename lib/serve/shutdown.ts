/**
 * The graceful stop on SIGTERM or SIGINT: readiness fails first, so load
 * balancers stop sending new requests; requests already running finish;
 * then the listener closes. All within one deadline.
 * @module
 */
import type { ModelHolder } from "../http/holder.ts";

/** What the drain works on. */
export interface DrainDeps {
  /** Readiness and the count of running requests. */
  holder: ModelHolder;
  /** The listener, closed once running requests finished (`Deno.HttpServer`). */
  server: { shutdown(): Promise<void> };
  /** How long the whole drain may take, in ms. */
  timeoutMs: number;
}

/**
 * Drains the server. Resolves true when every running request finished and
 * the listener closed within the deadline, false when time ran out first.
 */
export async function drain(deps: DrainDeps): Promise<boolean> {
  const { holder, server, timeoutMs } = deps;
  holder.drain();
  const deadline = Date.now() + timeoutMs;
  // keep the listener open until running requests finish: Deno's
  // server.shutdown() cuts off request bodies still being received
  if (!await holder.idle(timeoutMs)) return false;
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
