import { assertEquals } from "../_testing/assert.ts";
import { ModelHolder } from "../http/holder.ts";
import { drain } from "./shutdown.ts";
import { createApp } from "../http/app.ts";
import { serveModel } from "../http/holder.ts";
import { Registry } from "prom-client";
import { TOY_CSV, trainOn } from "../_testing/fixtures.ts";

/** A listener whose shutdown() resolves when `close` is called. */
function fakeServer() {
  let close = () => {};
  const closed = new Promise<void>((resolve) => (close = resolve));
  const calls: string[] = [];
  return {
    calls,
    close,
    server: {
      shutdown: () => {
        calls.push("shutdown");
        return closed;
      },
    },
  };
}

Deno.test("drain() fails readiness first, waits for running requests, then closes the listener", async () => {
  const holder = new ModelHolder();
  holder.active = 1;
  const fake = fakeServer();
  const done = drain({ holder, server: fake.server, timeoutMs: 60_000 });
  assertEquals(holder.draining, true);
  // a running request keeps the listener open
  await Promise.resolve();
  assertEquals(fake.calls, []);
  holder.active = 0;
  fake.close();
  assertEquals(await done, true);
  assertEquals(fake.calls, ["shutdown"]);
});

Deno.test("drain() gives up at the deadline when a request never finishes", async () => {
  const holder = new ModelHolder();
  holder.active = 1;
  const fake = fakeServer();
  assertEquals(await drain({ holder, server: fake.server, timeoutMs: 50 }), false);
  // the listener is left to the process exit, not cut under a running request
  assertEquals(fake.calls, []);
});

Deno.test("drain() gives up at the deadline when the listener does not close", async () => {
  const holder = new ModelHolder();
  const fake = fakeServer();
  assertEquals(await drain({ holder, server: fake.server, timeoutMs: 50 }), false);
  assertEquals(fake.calls, ["shutdown"]);
});

/** What one raw HTTP/1.1 exchange on a kept-alive connection gave. */
type Exchange = { status: number; close: boolean } | { dropped: string };

/**
 * A keep-alive client as a load balancer's upstream pool is: one TCP
 * connection, requests one after another, no retries. A request written and
 * then met by a closed connection is dropped: that is what the drain must
 * never do.
 */
async function keepAliveClient(port: number, onAnswer: (n: number) => void): Promise<Exchange[]> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const body = '{"f1":1,"f2":0}';
  const request = new TextEncoder().encode(
    `POST /predict HTTP/1.1\r\nhost: local\r\ncontent-type: application/json\r\n` +
      `content-length: ${body.length}\r\n\r\n${body}`,
  );
  const seen: Exchange[] = [];
  let buffer = new Uint8Array(0);
  const chunk = new Uint8Array(16 * 1024);
  const text = new TextDecoder();
  try {
    for (let n = 0;; n++) {
      await conn.write(request);
      // read the head, then content-length bytes of body
      let head = -1;
      let need = Infinity;
      let status = 0;
      let close = false;
      while (buffer.length < need) {
        const read = await conn.read(chunk).catch((err) => {
          seen.push({ dropped: String(err) });
          return null;
        });
        if (read === null) {
          if (seen.at(-1) && "dropped" in seen.at(-1)!) return seen;
          seen.push({ dropped: "connection closed with no response" });
          return seen;
        }
        const joined = new Uint8Array(buffer.length + read);
        joined.set(buffer);
        joined.set(chunk.subarray(0, read), buffer.length);
        buffer = joined;
        if (head < 0) {
          const all = text.decode(buffer);
          head = all.indexOf("\r\n\r\n");
          if (head >= 0) {
            const lines = all.slice(0, head).split("\r\n");
            status = Number(lines[0]!.split(" ")[1]);
            const header = (name: string) =>
              lines.find((l) => l.toLowerCase().startsWith(`${name}:`))?.split(":")[1]?.trim();
            close = header("connection")?.toLowerCase() === "close";
            need = head + 4 + Number(header("content-length"));
          }
        }
      }
      buffer = buffer.slice(need);
      seen.push({ status, close });
      onAnswer(n);
      if (close) return seen;
    }
  } finally {
    conn.close();
  }
}

Deno.test("drain() answers every request sent on a keep-alive connection across SIGTERM", async () => {
  const { model } = await trainOn(TOY_CSV, {});
  const holder = new ModelHolder(await serveModel(model, "test"));
  const app = createApp({ holder, registry: new Registry() });
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, app.fetch);
  let warm = 0;
  let allWarm!: () => void;
  const ready = new Promise<void>((resolve) => (allWarm = resolve));
  const CLIENTS = 32;
  // the drain starts once every client has had 10 answers on its connection
  const clients = Array.from(
    { length: CLIENTS },
    () => keepAliveClient(server.addr.port, (n) => n === 9 && ++warm === CLIENTS && allWarm()),
  );
  await ready;
  const drained = await drain({ holder, server, timeoutMs: 10_000 });
  const seen = (await Promise.all(clients)).flat();
  assertEquals(seen.filter((e) => "dropped" in e), [], "no request dropped unanswered");
  assertEquals(seen.filter((e) => "status" in e && e.status !== 200), []);
  assertEquals(drained, true);
  // each connection ended with an answer that told the client to close
  assertEquals(seen.filter((e) => "close" in e && e.close).length, CLIENTS);
});
