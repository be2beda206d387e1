import fc from "fast-check";
import { binaryChar } from "../_testing/arbitraries.ts";
import { assertEquals, assertRejects } from "../_testing/assert.ts";
import { BodySlots, JsonScan, jsonShape, LARGE_BODY_BYTES, readJson, scanJson } from "./body.ts";
import { BodyDeadline } from "./deadline.ts";
import { ApiError } from "./errors.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

/** Nesting depth and values (commas plus containers) of a parsed JSON value, counted on the value. */
function measure(value: unknown): { depth: number; values: number } {
  if (value === null || typeof value !== "object") return { depth: 0, values: 0 };
  const children = Array.isArray(value) ? value : Object.values(value);
  let depth = 0;
  let values = 1 + Math.max(children.length - 1, 0);
  for (const child of children) {
    const m = measure(child);
    depth = Math.max(depth, m.depth);
    values += m.values;
  }
  return { depth: depth + 1, values };
}

Deno.test("scanJson() counts depth and values on the bytes, skipping strings and their escapes", () => {
  const cases: Array<[string, number, number]> = [
    ["1", 0, 0],
    ["[]", 1, 1],
    ['{"a":[1,2,3],"b":{}}', 2, 6],
    ['["a,b[{", "\\"[", "\\\\", "}]"]', 1, 4],
    ['{"k\\\\\\"":[[["\\u005b"]]]}', 4, 4],
  ];
  for (const [text, depth, values] of cases) {
    assertEquals(scanJson(bytes(text), { maxDepth: depth, maxValues: values }), null, text);
    if (depth > 0) {
      assertEquals(scanJson(bytes(text), { maxDepth: depth - 1, maxValues: values }), "depth");
    }
    if (values > 0) {
      assertEquals(scanJson(bytes(text), { maxDepth: depth, maxValues: values - 1 }), "values");
    }
  }
  // malformed text is not the scan's to refuse: JSON.parse does
  assertEquals(scanJson(bytes('["unterminated'), { maxDepth: 1, maxValues: 1 }), null);
  assertEquals(scanJson(bytes("]]]]"), { maxDepth: 1, maxValues: 1 }), null);
});

Deno.test("scanJson() agrees with the parsed value on any JSON, strings of any bytes included", () => {
  const text = fc.string({ unit: binaryChar });
  const json = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: "small" },
      fc.constant(null),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      text,
      fc.array(tie("value"), { maxLength: 5 }),
      fc.dictionary(text, tie("value"), { maxKeys: 5 }),
    ),
  })).value;
  fc.assert(
    fc.property(json, fc.boolean(), (value, spaced) => {
      const encoded = bytes(JSON.stringify(value, null, spaced ? 1 : undefined));
      const { depth, values } = measure(value);
      assertEquals(scanJson(encoded, { maxDepth: depth, maxValues: values }), null);
      if (depth > 0) {
        assertEquals(scanJson(encoded, { maxDepth: depth - 1, maxValues: values }), "depth");
        assertEquals(scanJson(encoded, { maxDepth: depth, maxValues: values - 1 }), "values");
      }
    }),
    { numRuns: 2000 },
  );
});

function largeRequest(stall: boolean): {
  req: Request;
  finish(): void;
} {
  const body = bytes(`[${"0,".repeat(LARGE_BODY_BYTES)}0]`);
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      c.enqueue(body.subarray(0, 1));
      if (!stall) {
        c.enqueue(body.subarray(1));
        c.close();
      }
    },
  });
  const req = new Request("http://local/predict", {
    method: "POST",
    headers: { "content-type": "application/json", "content-length": String(body.length) },
    body: stream,
  });
  return {
    req,
    finish() {
      controller.enqueue(body.subarray(1));
      controller.close();
    },
  };
}

Deno.test("readJson() gives up a turn it waited for when its read times out, and the queue moves on", async () => {
  const slots = new BodySlots({ parallel: 1, queue: 1 });
  const shape = jsonShape(1, 1_000_000);
  const limits = { maxBytes: 1 << 20, slots };
  // A holds the only turn while its body stalls
  const a = largeRequest(true);
  const readA = readJson(a.req, limits, shape);
  assertEquals(slots.free, 0);
  // B waits for it, and times out waiting
  using deadline = new BodyDeadline(50, 10);
  const readB = readJson(largeRequest(false).req, { ...limits, deadline }, shape);
  assertEquals(slots.waiting, 1);
  // the deadline's timer never keeps a process alive: this one does, until B fails
  const alive = setTimeout(() => {}, 10_000);
  const timedOut = await assertRejects(() => readB, ApiError).finally(() => clearTimeout(alive));
  assertEquals(timedOut.status, 408);
  // B left the queue: C can wait in its place instead of getting a 503
  assertEquals(slots.waiting, 0);
  const readC = readJson(largeRequest(false).req, limits, shape);
  assertEquals(slots.waiting, 1);
  a.finish();
  assertEquals(((await readA) as number[]).length, LARGE_BODY_BYTES + 1);
  assertEquals(((await readC) as number[]).length, LARGE_BODY_BYTES + 1);
  // every turn came back
  assertEquals([slots.free, slots.waiting], [1, 0]);
});

Deno.test("JsonScan.feed() gives the same answer for a body split into chunks anywhere", () => {
  const text = fc.string({ unit: binaryChar, maxLength: 8 });
  const json = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: "small" },
      fc.integer(),
      fc.constantFrom('\\"', "\\", '"', "[", "{", ",", "\\\\"),
      text,
      fc.array(tie("value"), { maxLength: 4 }),
      fc.dictionary(text, tie("value"), { maxKeys: 4 }),
    ),
  })).value;
  fc.assert(
    fc.property(json, fc.array(fc.nat(), { maxLength: 6 }), (value, cuts) => {
      const encoded = bytes(JSON.stringify(value));
      const { depth, values } = measure(value);
      for (
        const limits of [{ maxDepth: depth, maxValues: values }, {
          maxDepth: depth,
          maxValues: values - 1,
        }]
      ) {
        const at = [...new Set(cuts.map((c) => c % (encoded.length + 1)))].sort((a, b) => a - b);
        const scan = new JsonScan(limits);
        let over: string | null = null;
        let from = 0;
        for (const to of [...at, encoded.length]) {
          over ??= scan.feed(encoded.subarray(from, to));
          from = to;
        }
        assertEquals(over, scanJson(encoded, limits));
      }
    }),
    { numRuns: 2000 },
  );
});
