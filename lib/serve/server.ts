/**
 * The server process: load the model (failing fast without one), listen,
 * reload on SIGHUP and on changes to the model directory, and drain on
 * SIGTERM or SIGINT. `serve.ts` is this plus flags.
 * @module
 */
import { Registry } from "prom-client";
import { InputError } from "../core/errors.ts";
import { Logger, StdoutSink } from "../core/log.ts";
import { createApp } from "../http/app.ts";
import { BodyDeadline } from "../http/deadline.ts";
import { ModelHolder } from "../http/holder.ts";
import { collectProcessMetrics, createHttpMetrics } from "../http/prometheus.ts";
import { createMonitor } from "../monitor/monitor.ts";
import { journalPermission } from "../monitor/journal.ts";
import type { ServeConfig } from "./config.ts";
import { Reloader } from "./reload.ts";
import { drain } from "./shutdown.ts";

/**
 * Serves the model `config` names until SIGTERM or SIGINT; resolves with the
 * exit code once drained. Throws an {@link InputError} when there is no
 * valid model to start with.
 */
export async function serve(config: ServeConfig): Promise<number> {
  if (config.predictionLog) journalPermission(config.predictionLog);
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
  const monitor = createMonitor({
    registry,
    driftWindow: config.driftWindow,
    journal: config.predictionLog
      ? {
        path: config.predictionLog,
        sample: config.predictionLogSample,
        maxBytes: config.predictionLogMaxBytes,
      }
      : undefined,
    logger,
    ready: () => holder.ready,
  });
  const deadline = config.bodyTimeout ? new BodyDeadline(config.bodyTimeout * 1000) : undefined;
  const app = createApp({
    holder,
    registry,
    metrics,
    logger,
    deadline,
    monitor,
    options: {
      maxBodyBytes: config.maxBodyBytes,
      maxBatchRows: config.maxBatchRows,
      token: config.token,
      protectMeta: config.protectMeta,
      unseenCategories: config.unseenCategories,
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
        protect_meta: config.protectMeta,
        drift_window: config.driftWindow,
        prediction_log: config.predictionLog ?? null,
      }),
  }, app.fetch);

  Deno.addSignalListener("SIGHUP", () => void reloader.reload("signal"));
  const unwatch = config.watch ? reloader.watch() : () => {};

  const signal = await new Promise<Deno.Signal>((resolve) => {
    Deno.addSignalListener("SIGTERM", () => resolve("SIGTERM"));
    Deno.addSignalListener("SIGINT", () => resolve("SIGINT"));
  });
  unwatch();
  logger.log("info", "shutting down", {
    signal,
    active: holder.active,
    timeout_s: config.shutdownTimeout,
  });
  const finished = await drain({ holder, server, timeoutMs: config.shutdownTimeout * 1000 });
  await monitor.close();
  logger.log(
    finished ? "info" : "warn",
    finished ? "stopped" : "stopped with requests still running",
  );
  await sink.flush();
  return 0;
}
