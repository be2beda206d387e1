/**
 * `deno task serve`: serve the model over HTTP.
 * @module
 */
import { collectDefaultMetrics, Registry } from "prom-client";
import { serveConfig } from "./lib/config.ts";
import { fail } from "./lib/errors.ts";
import { createApp } from "./lib/http/app.ts";
import { loadModel } from "./lib/model.ts";

/** Loads the model and serves it until the process is stopped. */
export async function main(args: string[]): Promise<void> {
  const parsed = serveConfig(args, (name) => Deno.env.get(name));
  if (parsed.help) return console.log(parsed.text);
  const config = parsed.options;
  const model = await loadModel(config.model);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const app = createApp({ model, registry });
  Deno.serve({
    port: config.port,
    hostname: config.host,
    onListen: ({ hostname, port }) =>
      console.log(
        JSON.stringify({
          level: "info",
          msg: "listening",
          host: hostname,
          port,
          model: config.model,
        }),
      ),
  }, app.fetch);
}

if (import.meta.main) await main(Deno.args).catch(fail);
