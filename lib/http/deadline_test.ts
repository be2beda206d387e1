import { assertEquals, assertRejects } from "../_testing/assert.ts";
import { BodyDeadline } from "./deadline.ts";
import { ApiError } from "./errors.ts";

const never = () => new Promise<never>(() => {});

/** Runs `fn` with a referenced timer: the deadline's own timer never keeps a process alive. */
async function keptAlive(fn: () => Promise<void>): Promise<void> {
  const alive = setTimeout(() => {}, 10_000);
  try {
    await fn();
  } finally {
    clearTimeout(alive);
  }
}

Deno.test("BodyDeadline.guard passes a read's value and its error through", async () => {
  using deadline = new BodyDeadline(1000, 10);
  assertEquals(await deadline.guard(Promise.resolve("body")), "body");
  await assertRejects(
    () => deadline.guard(Promise.reject(new TypeError("reset"))),
    TypeError,
    "reset",
  );
  assertEquals(deadline.pending, 0);
});

Deno.test("BodyDeadline fails a read that does not settle in time with a 408", () =>
  keptAlive(async () => {
    using deadline = new BodyDeadline(40, 10);
    const started = performance.now();
    const err = await assertRejects(() => deadline.guard(never()), ApiError, "within 0.04 s");
    const took = performance.now() - started;
    assertEquals(err.status, 408);
    assertEquals(err.body, {
      error: { code: "body_timeout", message: "Request body not received within 0.04 s" },
    });
    // between the timeout and one tick after it (timers may fire late, never early)
    assertEquals(took >= 39, true, `took ${took} ms`);
    assertEquals(deadline.pending, 0);
  }));

Deno.test("BodyDeadline times out only the slow read, not one started later", () =>
  keptAlive(async () => {
    using deadline = new BodyDeadline(60, 10);
    const slow = deadline.guard(never()).catch((e) => e);
    await new Promise((r) => setTimeout(r, 40));
    let finish!: (v: string) => void;
    const later = deadline.guard(new Promise<string>((r) => (finish = r)));
    const err = await slow;
    assertEquals(err instanceof ApiError && err.status, 408);
    assertEquals(deadline.pending, 1);
    finish("late but in time");
    assertEquals(await later, "late but in time");
  }));

Deno.test("BodyDeadline.close stops limiting reads in progress", async () => {
  const deadline = new BodyDeadline(20, 5);
  let settled = false;
  deadline.guard(never()).catch(() => (settled = true));
  deadline.close();
  await new Promise((r) => setTimeout(r, 60));
  assertEquals(settled, false);
  assertEquals(deadline.pending, 0);
});

Deno.test("BodyDeadline counts reads that finish in any order and reuses their slots", async () => {
  using deadline = new BodyDeadline(10_000, 1000);
  for (let round = 0; round < 3; round++) {
    const finish: ((v: number) => void)[] = [];
    const reads = Array.from(
      { length: 50 },
      () => deadline.guard(new Promise<number>((r) => finish.push(r))),
    );
    assertEquals(deadline.pending, 50);
    // finish odd ones first, then even ones, backwards
    const order = [...finish.keys()].sort((a, b) => (b % 2) - (a % 2) || b - a);
    for (const i of order) finish[i]!(i);
    assertEquals(await Promise.all(reads), [...finish.keys()]);
    assertEquals(deadline.pending, 0);
  }
});

Deno.test("BodyDeadline: an expired read settling late does not free a slot now in use", () =>
  keptAlive(async () => {
    using deadline = new BodyDeadline(30, 10);
    let finishFirst!: (v: string) => void;
    const first = deadline.guard(new Promise<string>((r) => (finishFirst = r))).catch((e) => e);
    assertEquals(((await first) as ApiError).status, 408);
    // the freed slot goes to the next read
    const second = deadline.guard(never()).catch((e) => e);
    finishFirst("too late");
    await Promise.resolve();
    assertEquals(deadline.pending, 1);
    assertEquals(((await second) as ApiError).status, 408);
    assertEquals(deadline.pending, 0);
  }));
