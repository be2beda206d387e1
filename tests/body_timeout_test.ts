// A client that stalls or trickles its request body gets 408 after BODY_TIMEOUT, with
// `connection: close`. (Deno.serve then keeps the socket until the client closes it or finishes
// the body: no handler is held, but a socket is — docs/http-api.md › Lifecycle.)
import { assert, assertEquals, assertMatch } from "../lib/_testing/assert.ts";
import { makeProject } from "./_project.ts";
import { postJson, startServer } from "./_server.ts";

const HEAD = "POST /predict HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n" +
  "content-length: 100\r\n\r\n";

/** Sends a request head and part of its body, then `trickle`s a byte every 100 ms or stalls. */
async function slowBody(port: number, trickle: boolean) {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const text = new TextEncoder();
  await conn.write(text.encode(`${HEAD}{"f1":`));
  const started = performance.now();
  let open = true;
  const trickling = (async () => {
    while (trickle && open) {
      await new Promise((r) => setTimeout(r, 100));
      if (open) await conn.write(text.encode(" ")).catch(() => (open = false));
    }
  })();
  /** The server's whole response (head and `content-length` body), and when it came. */
  const answer = (async () => {
    let raw = "";
    const buf = new Uint8Array(4096);
    const decoder = new TextDecoder();
    while (!complete(raw)) {
      const n = await conn.read(buf).catch(() => null);
      if (n === null) break;
      raw += decoder.decode(buf.subarray(0, n));
    }
    open = false;
    conn.close();
    await trickling;
    return { raw, ms: performance.now() - started };
  })();
  return answer;
}

/** Whether `raw` holds a response head and all the body its `content-length` announces. */
function complete(raw: string): boolean {
  const end = raw.indexOf("\r\n\r\n");
  const length = /\r\ncontent-length: (\d+)\r\n/i.exec(raw.slice(0, end + 2));
  return end >= 0 && length !== null && raw.length >= end + 4 + Number(length[1]);
}

Deno.test("a stalled or trickled body gets 408 after BODY_TIMEOUT; other clients are served", async () => {
  await using p = await makeProject();
  await p.trainAndPromote(["--iterations", "200"]);
  await using server = await startServer(p.dir, { env: { BODY_TIMEOUT: "1" } });
  const port = Number(new URL(server.base).port);
  const stalled = slowBody(port, false);
  const trickled = slowBody(port, true);
  // meanwhile, normal requests are answered at once
  for (let i = 0; i < 5; i++) {
    const res = await postJson(`${server.base}/predict`, { f1: 1, f2: 0 });
    assertEquals(res.status, 200);
    assertEquals((await res.json()).prediction, 1);
  }
  for (
    const [name, answer] of [["stalled", await stalled], ["trickled", await trickled]] as const
  ) {
    assertMatch(answer.raw, /^HTTP\/1\.1 408 /, `${name}: ${answer.raw}`);
    assertMatch(answer.raw, /\r\nconnection: close\r\n/i, `${name}: ${answer.raw}`);
    const body = JSON.parse(answer.raw.slice(answer.raw.indexOf("\r\n\r\n") + 4));
    assertEquals(body, {
      error: { code: "body_timeout", message: "Request body not received within 1 s" },
    });
    // 1 s plus at most one 250 ms tick, with slack for a loaded machine
    assert(answer.ms >= 950 && answer.ms < 5000, `${name}: answered after ${answer.ms} ms`);
  }
  const logged = await server.waitFor((l) => l.msg === "request" && l.status === 408);
  assertEquals(logged.route, "/predict");
  const res = await postJson(`${server.base}/predict`, { f1: 1, f2: 0 });
  assertEquals(res.status, 200);
  await res.body?.cancel();
});
