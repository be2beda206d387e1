import { assertEquals, assertMatch } from "../_testing/assert.ts";
import { Logger, StdoutSink } from "./log.ts";

/** A sink writing into an array, with control over how much each write takes. */
function capture(options: { maxChars?: number; delayMs?: number; chunk?: number } = {}) {
  const writes: string[] = [];
  const decoder = new TextDecoder();
  const sink = new StdoutSink({
    ...options,
    write: (bytes) => {
      const n = Math.min(bytes.length, options.chunk ?? bytes.length);
      writes.push(decoder.decode(bytes.subarray(0, n)));
      return Promise.resolve(n);
    },
  });
  return { sink, writes };
}

Deno.test("Logger.request writes one JSON line with every field", () => {
  const lines: string[] = [];
  new Logger("info", (t) => lines.push(t)).request("POST", "/predict", 422, 1.23456, "abc-1");
  assertEquals(lines.length, 1);
  assertMatch(lines[0]!, /\n$/);
  const line = JSON.parse(lines[0]!);
  assertMatch(line.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assertEquals(Math.abs(Date.parse(line.time) - Date.now()) < 5_000, true);
  assertEquals(
    { ...line, time: undefined },
    {
      time: undefined,
      level: "info",
      msg: "request",
      method: "POST",
      route: "/predict",
      status: 422,
      duration_ms: 1.235,
      request_id: "abc-1",
    },
  );
});

Deno.test("Logger drops events below its level, and request lines above info", () => {
  const lines: string[] = [];
  const logger = new Logger("warn", (t) => lines.push(t));
  logger.log("info", "hidden");
  logger.log("error", "shown", { reason: "x" });
  assertEquals(logger.requests, false);
  assertEquals(lines.map((l) => JSON.parse(l).msg), ["shown"]);
  assertEquals(JSON.parse(lines[0]!).reason, "x");
});

Deno.test("StdoutSink batches lines into one write after its delay", async () => {
  const { sink, writes } = capture({ delayMs: 20 });
  sink.write("a\n");
  sink.write("b\n");
  assertEquals(writes, []);
  await new Promise((r) => setTimeout(r, 60));
  assertEquals(writes, ["a\nb\n"]);
});

Deno.test("StdoutSink writes at once when the buffer is full, in order", async () => {
  const { sink, writes } = capture({ maxChars: 4, delayMs: 10_000 });
  sink.write("ab\n");
  sink.write("cd\n");
  sink.write("e\n");
  await sink.flush();
  assertEquals(writes, ["ab\ncd\n", "e\n"]);
});

Deno.test("StdoutSink.flush writes everything even when the target takes partial writes", async () => {
  const { sink, writes } = capture({ chunk: 3, delayMs: 10_000 });
  sink.write("hello\nworld\n");
  await sink.flush();
  assertEquals(writes.join(""), "hello\nworld\n");
  assertEquals(writes.length, 4);
  await sink.flush();
  assertEquals(writes.length, 4);
});
