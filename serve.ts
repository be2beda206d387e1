/**
 * `deno task serve`: serve the model over HTTP until SIGTERM/SIGINT.
 * @module
 */
import { Registry } from "prom-client";
import { serveConfig } from "./lib/serve/config.ts";
import { fail, InputError } from "./lib/core/errors.ts";
import { ModelHolder } from "./lib/http/holder.ts";
import { createApp } from "./lib/http/app.ts";
import { BodyDeadline } from "./lib/http/deadline.ts";
import { Logger, StdoutSink } from "./lib/core/log.ts";
import { collectProcessMetrics, createHttpMetrics } from "./lib/http/prometheus.ts";
import { Reloader } from "./lib/serve/reload.ts";

/** Loads the model and serves it until the process is stopped. */
export async function main(args: string[]): Promise<void> {
  const parsed = serveConfig(args, (name) => Deno.env.get(name));
  if (parsed.help) return console.log(parsed.text);
  const config = parsed.options;
  const sink = new StdoutSink();
  const logger = new Logger(config.logLevel, sink.write);
  const registry = new Registry();
  collectProcessMetrics(registry);
  const metrics = createHttpMetrics(registry);
  const holder = new ModelHolder();
  const reloader = new Reloader({ holder, dir: config.model, metrics, logger });

  // fail fast: a server that starts without a model is a misconfiguration
  if (await reloader.reload("startup") !== "success") {
    await sink.flush();
    throw new InputError(
      `Cannot serve: no valid model in "${config.model}" (see the log line above)`,
    );
  }
  const deadline = config.bodyTimeout ? new BodyDeadline(config.bodyTimeout * 1000) : undefined;
  const app = createApp({
    holder,
    registry,
    metrics,
    logger,
    deadline,
    options: {
      maxBodyBytes: config.maxBodyBytes,
      maxBatchRows: config.maxBatchRows,
      token: config.token,
    },
  });
  const server = Deno.serve({
    port: config.port,
    hostname: config.host,
    onListen: ({ hostname, port }) =>
      logger.log("info", "listening", {
        host: hostname,
        port,
        model: config.model,
        auth: config.token ? "bearer" : "none",
      }),
  }, app.fetch);

  Deno.addSignalListener("SIGHUP", () => void reloader.reload("signal"));
  const unwatch = config.watch ? reloader.watch() : () => {};

  let stopping = false;
  const stop = async (signal: Deno.Signal) => {
    if (stopping) return;
    stopping = true;
    // readiness fails first, so load balancers stop sending new requests
    holder.drain();
    unwatch();
    logger.log("info", "shutting down", {
      signal,
      active: holder.active,
      timeout_s: config.shutdownTimeout,
    });
    // keep the listener open until running requests finish: Deno's
    // server.shutdown() cuts off request bodies still being received
    const deadline = Date.now() + config.shutdownTimeout * 1000;
    let finished = await holder.idle(config.shutdownTimeout * 1000);
    if (finished) {
      finished = await Promise.race([
        server.shutdown().then(() => true),
        new Promise<false>((resolve) => setTimeout(() => resolve(false), deadline - Date.now())),
      ]);
    }
    logger.log(
      finished ? "info" : "warn",
      finished ? "stopped" : "stopped with requests still running",
    );
    await sink.flush();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGTERM", () => void stop("SIGTERM"));
  Deno.addSignalListener("SIGINT", () => void stop("SIGINT"));
}

if (import.meta.main) await main(Deno.args).catch(fail);
