import { assertEquals } from "../_testing/assert.ts";
import { ModelHolder } from "../http/holder.ts";
import { drain } from "./shutdown.ts";

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
