/**
 * `deno task evaluate`: the quality gate and promotion. Gates the newest run
 * (or `--model`), writes its evaluation report and card, and promotes it to
 * `models/latest` when it passes. Exits 0 when it passes, 1 when not, 2 on
 * bad usage or input.
 * @module
 */
import { fail } from "./lib/core/errors.ts";
import { type GateEnv, gateOptions } from "./lib/gate/options.ts";
import { outcomeText } from "./lib/gate/report.ts";
import { runGate } from "./lib/gate/run.ts";

/** Runs the gate with command-line `args` and environment `env`; returns the exit code. */
export async function main(
  args: string[],
  env: (name: GateEnv) => string | undefined,
): Promise<number> {
  const parsed = gateOptions(args, env);
  if (parsed.help) {
    console.log(parsed.text);
    return 0;
  }
  const outcome = await runGate(parsed.options);
  console.log(parsed.json ? JSON.stringify(outcome) : outcomeText(outcome));
  for (const warning of outcome.warnings) console.error(`warning: ${warning}`);
  return outcome.passed ? 0 : 1;
}

/** Reads an environment variable; without --allow-env for it, it counts as unset. */
function readEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch (err) {
    if (err instanceof Deno.errors.NotCapable) return undefined;
    throw err;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args, readEnv).catch(fail));
