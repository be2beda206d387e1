// Garbage on the wire: random bytes, broken request lines, huge headers and
// connections dropped mid-request against the real server (the serve task,
// on 127.0.0.1). The server must stay up and answer normally afterwards.
import fc from "fast-check";
import { binaryChar } from "../lib/_testing/arbitraries.ts";
import { assertEquals } from "../lib/_testing/assert.ts";
import { makeProject } from "./_project.ts";
import { fuzzParams } from "./_fuzz.ts";

const encoder = new TextEncoder();

/** Raw bytes a broken or hostile client might send instead of HTTP. */
const wire: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 512 }),
  fc.string({ unit: binaryChar, maxLength: 200 }).map((s) => encoder.encode(s)),
  fc.constantFrom(
    "GET / HTTP/1.1\r\n\r\n",
    "POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{",
    "POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
    "POST /predict HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    "POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\n{}",
    "GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n",
    "GET / HTTP/9.9\r\n\r\n",
    "\r\n\r\n\r\n",
    "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
  ).map((s) => encoder.encode(s)),
  fc.integer({ min: 1_000, max: 200_000 }).map((n) =>
    encoder.encode(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(n)}\r\n\r\n`)
  ),
);

async function spray(port: number, bytes: Uint8Array): Promise<void> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(bytes).catch(() => 0);
    // read whatever comes back for a moment, then drop the connection
    const buffer = new Uint8Array(4096);
    await Promise.race([
      conn.read(buffer).catch(() => null),
      new Promise((r) => setTimeout(r, 20)),
    ]);
  } finally {
    try {
      conn.close();
    } catch {
      // the server closed it first
    }
  }
}

Deno.test("the server survives garbage on the wire and answers normally after", async () => {
  await using project = await makeProject();
  await project.trainAndPromote();
  const child = new Deno.Command("deno", {
    args: ["task", "-q", "serve", "--port", "0", "--host", "127.0.0.1"],
    cwd: project.dir,
    stdout: "piped",
    stderr: "null",
  }).spawn();
  try {
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!/"listening"[^\n]*\n/.test(text)) {
      const chunk = await reader.read();
      if (chunk.done) break;
      text += chunk.value;
    }
    const listening = text.split("\n").find((line) => line.includes('"listening"')) ?? "{}";
    const port = JSON.parse(listening).port as number;
    // keep draining the log so the server never blocks on a full pipe
    const drained = (async () => {
      while (!(await reader.read()).done);
    })().catch(() => {});

    await fc.assert(
      fc.asyncProperty(wire, async (bytes) => await spray(port, bytes)),
      fuzzParams(100, 20),
    );

    const res = await fetch(`http://127.0.0.1:${port}/predict`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"f1":1,"f2":0}',
    });
    assertEquals(res.status, 200);
    assertEquals((await res.json()).prediction, 1);
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    assertEquals(health.status, 200);
    await health.body?.cancel();
    await reader.cancel();
    await drained;
  } finally {
    child.kill("SIGTERM");
    await child.status;
  }
});
