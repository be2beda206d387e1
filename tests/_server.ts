/**
 * A live `deno task serve` process for subprocess tests: started on a free
 * port, its JSON log lines collected, stopped by signal.
 * @module
 */

/** A running server. */
export interface Server extends AsyncDisposable {
  /** `http://127.0.0.1:PORT`. */
  base: string;
  /** The process. */
  child: Deno.ChildProcess;
  /** Every stdout log line so far, parsed. */
  lines: Array<Record<string, unknown>>;
  /** Resolves with the first log line matching `test`, or rejects after `ms`. */
  waitFor(
    test: (line: Record<string, unknown>) => boolean,
    ms?: number,
  ): Promise<Record<string, unknown>>;
  /** Sends `signal` and waits for the exit status. */
  stop(signal?: Deno.Signal): Promise<Deno.CommandStatus>;
  /** Standard error so far. */
  stderr(): string;
}

/**
 * Starts the `serve` task's command (read from `deno.json`, so the test runs
 * with exactly its permissions) in `dir`; resolves once it listens. It runs
 * `deno run` directly rather than `deno task`, so signals reach the server
 * itself.
 */
export async function startServer(
  dir: string,
  options: { args?: string[]; env?: Record<string, string> } = {},
): Promise<Server> {
  const config = JSON.parse(await Deno.readTextFile(`${dir}/deno.json`));
  const [program, ...task] = String(config.tasks.serve.command).split(/\s+/);
  if (program !== "deno") throw new Error(`unexpected serve task: ${config.tasks.serve.command}`);
  const child = new Deno.Command("deno", {
    args: [...task, "--port", "0", "--host", "127.0.0.1", ...(options.args ?? [])],
    cwd: dir,
    env: { NO_COLOR: "1", ...options.env },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines: Array<Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  let errText = "";
  const done = (async () => {
    let rest = "";
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      rest += chunk;
      let nl;
      while ((nl = rest.indexOf("\n")) >= 0) {
        const text = rest.slice(0, nl);
        rest = rest.slice(nl + 1);
        try {
          lines.push(JSON.parse(text));
        } catch {
          lines.push({ raw: text });
        }
        waiters.splice(0).forEach((w) => w());
      }
    }
    waiters.splice(0).forEach((w) => w());
  })();
  const errDone = (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) errText += chunk;
  })();
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    waiters.splice(0).forEach((w) => w());
    return s;
  });
  const waitFor = async (test: (line: Record<string, unknown>) => boolean, ms = 15_000) => {
    const deadline = Date.now() + ms;
    while (true) {
      const found = lines.find(test);
      if (found) return found;
      if (exited) await done;
      const again = lines.find(test);
      if (again) return again;
      if (exited) throw new Error(`server exited before the expected line; stderr: ${errText}`);
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for a log line; got: ${JSON.stringify(lines)}`);
      }
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  };
  const stop = async (signal: Deno.Signal = "SIGTERM") => {
    if (!exited) {
      try {
        child.kill(signal);
      } catch {
        // already gone
      }
    }
    const s = await status;
    await done;
    await errDone;
    return s;
  };
  try {
    const listening = await waitFor((l) => l.msg === "listening", 60_000);
    return {
      base: `http://127.0.0.1:${listening.port}`,
      child,
      lines,
      waitFor,
      stop,
      stderr: () => errText,
      [Symbol.asyncDispose]: async () => void (await stop("SIGKILL")),
    };
  } catch (err) {
    await stop("SIGKILL");
    throw err;
  }
}

/** POSTs JSON to `url`. */
export function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}
