/**
 * Runs a test setup's commands (`task -q train …`, `task -q evaluate …`) in
 * one process, in turn, in the current directory: each entry's own `main`
 * with the arguments the task would get, so a setup of several commands
 * costs one Deno start-up instead of one each. Stops at the first command
 * that fails, with its error line and exit code, as that task would.
 *
 * Usage: deno run --allow-read --allow-write tests/_setup.ts '<JSON list of argument lists>'
 * @module
 */
import { fail } from "../lib/core/errors.ts";
import { main as train } from "../train.ts";
import { main as evaluate } from "../evaluate.ts";

/** Each task a setup may run, as its entry's `main`: resolves with the exit code. */
const TASKS: Record<string, (args: string[]) => Promise<number>> = {
  train: async (args) => {
    await train(args);
    return 0;
  },
  // no gate thresholds from the environment: the task's defaults
  evaluate: (args) => evaluate(args, () => undefined),
};

for (const command of JSON.parse(Deno.args[0] ?? "[]") as string[][]) {
  const [deno, quiet, task, ...args] = command;
  const run = deno === "task" && quiet === "-q" ? TASKS[task ?? ""] : undefined;
  if (!run) {
    console.error(`error: not a setup command: ${command.join(" ")}`);
    Deno.exit(2);
  }
  const failed = () => console.error(`setup command failed: deno ${command.join(" ")}`);
  const code = await run(args).catch((err) => {
    failed();
    return fail(err);
  });
  if (code !== 0) {
    failed();
    Deno.exit(code);
  }
}
