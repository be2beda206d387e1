/**
 * `deno task smoke --url URL`: check a running server after a deploy.
 * Exits 0 when every check holds, 1 with a one-line reason when one does
 * not, 2 on bad usage.
 * @module
 */
import { z } from "zod";
import { type Command, numberFlag, parseFlags } from "./lib/core/flags.ts";
import { fail } from "./lib/core/errors.ts";
import { runSmoke, summary } from "./lib/serve/smoke.ts";

const command: Command = {
  usage: "deno task smoke --url URL [flags]",
  summary:
    "Checks a running server: GET /readyz, one valid and one invalid POST /predict, GET /metrics. Exits 0 when all hold, 1 with the first failure, 2 on bad usage.",
  flags: {
    url: { type: "string", value: "URL", description: "Base URL of the server (required)" },
    body: {
      type: "string",
      value: "JSON",
      description: "Body of the valid /predict (default: built from GET /model, else the seed's)",
    },
    timeout: {
      type: "string",
      value: "SECONDS",
      default: "5",
      description: "Timeout of each request",
    },
  },
};

const Options = z.object({
  url: z.string({ error: "required" }).pipe(
    z.url({ protocol: /^https?$/, error: "expected an http(s) URL" }),
  ),
  body: z.string().refine((s) => {
    try {
      JSON.parse(s);
      return true;
    } catch {
      return false;
    }
  }, "expected JSON").optional(),
  timeout: numberFlag.pipe(z.number().positive()),
});

/** Runs the smoke checks with command-line `args`; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const parsed = parseFlags(args, command, Options);
  if (parsed.help) {
    console.log(parsed.text);
    return 0;
  }
  const { url, body, timeout } = parsed.options;
  const base = new URL(url);
  const checks = await runSmoke(base, { body, timeoutMs: timeout * 1000 });
  console.log(summary(base, checks));
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args).catch(fail));
