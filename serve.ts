/**
 * `deno task serve`: serve the model over HTTP until SIGTERM/SIGINT.
 * @module
 */
import { fail } from "./lib/core/errors.ts";
import { serveConfig } from "./lib/serve/config.ts";
import { serve } from "./lib/serve/server.ts";

/** Serves with command-line `args` until stopped; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const parsed = serveConfig(args, (name) => Deno.env.get(name));
  if (parsed.help) {
    console.log(parsed.text);
    return 0;
  }
  return await serve(parsed.options);
}

if (import.meta.main) Deno.exit(await main(Deno.args).catch(fail));
