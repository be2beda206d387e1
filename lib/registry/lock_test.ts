import { assertEquals, assertRejects } from "../_testing/assert.ts";
import { withRegistryLock } from "./lock.ts";

Deno.test("withRegistryLock() runs holders one at a time, in turn", async () => {
  const root = await Deno.makeTempDir();
  try {
    const events: string[] = [];
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let entered = () => {};
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const first = withRegistryLock(async () => {
      events.push("first in");
      entered();
      await held;
      events.push("first out");
    }, { root });
    // the second asks while the first holds it: it must wait
    await inside;
    const second = withRegistryLock(() => {
      events.push("second in");
      return Promise.resolve();
    }, { root });
    // give the second every chance to (wrongly) get in
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assertEquals(events, ["first in"]);
    release();
    await Promise.all([first, second]);
    assertEquals(events, ["first in", "first out", "second in"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("withRegistryLock() gives up with one line when the lock stays taken", async () => {
  const root = await Deno.makeTempDir();
  try {
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let entered = () => {};
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const holder = withRegistryLock(() => (entered(), held), { root });
    await inside;
    await assertRejects(
      () => withRegistryLock(() => Promise.resolve(), { root, waitMs: 30 }),
      Error,
      `Cannot lock the registry: another promotion has held ${root}/.registry.lock for over 0 s`,
    );
    release();
    await holder;
    // and it is free again once released, also after an error inside
    await assertRejects(
      () => withRegistryLock(() => Promise.reject(new Error("boom")), { root }),
      Error,
      "boom",
    );
    assertEquals(await withRegistryLock(() => Promise.resolve(7), { root }), 7);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
