import { TOY_CSV, trainOn } from "../_testing/fixtures.ts";
import { assertEquals, assertRejects, assertStringIncludes } from "../_testing/assert.ts";
import { runSmoke, SmokeError, summary } from "./smoke.ts";

// The real server is smoke-checked in tests/smoke_cli_test.ts and
// tests/container_test.ts; here a stand-in that follows the HTTP API lets
// each failure be staged.

type Handler = (req: Request) => Response | Promise<Response>;

/** Serves `handler` on 127.0.0.1 for the duration of `fn`. */
async function withServer(handler: Handler, fn: (base: URL) => Promise<void>): Promise<void> {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, handler);
  try {
    await fn(new URL(`http://127.0.0.1:${server.addr.port}`));
  } finally {
    await server.shutdown();
  }
}

/** A server for the toy model as the API describes it: f1 and f2 required, numbers. */
const api: Handler = async (req) => {
  const { pathname } = new URL(req.url);
  if (req.method === "GET" && pathname === "/readyz") return Response.json({ status: "ready" });
  if (req.method === "GET" && pathname === "/metrics") {
    return new Response('mvd_http_requests_total{method="GET",route="/readyz",status="200"} 1\n');
  }
  if (req.method === "POST" && pathname === "/predict") {
    const row = await req.json();
    const ok = typeof row?.f1 === "number" && typeof row?.f2 === "number" &&
      Object.keys(row).length === 2;
    return ok
      ? Response.json({ prediction: row.f1 > row.f2 ? 1 : 0 })
      : Response.json({ error: { code: "invalid_input", message: "Invalid input" } }, {
        status: 422,
      });
  }
  return Response.json({ error: { code: "not_found", message: "No such route" } }, { status: 404 });
};

/** The stand-in, with one route answered by `override` instead. */
function patched(path: string, override: Handler): Handler {
  return (req) => new URL(req.url).pathname === path ? override(req) : api(req);
}

Deno.test("runSmoke() passes every check against a server that follows the API", async () => {
  await withServer(api, async (base) => {
    const checks = await runSmoke(base);
    assertEquals(checks.map((c) => [c.name, c.status]), [
      ["GET /readyz", 200],
      ["POST /predict (valid)", 200],
      ["POST /predict (invalid)", 422],
      ["GET /metrics", 200],
    ]);
    assertStringIncludes(summary(base, checks), "smoke ok: http://127.0.0.1:");
  });
});

Deno.test("runSmoke() builds the valid body from GET /model when the server has it", async () => {
  const { model } = await trainOn(TOY_CSV);
  const sent: string[] = [];
  const handler: Handler = async (req) => {
    const path = new URL(req.url).pathname;
    // the shape GET /model gives: name, type, mean or categories, and more
    if (path === "/model") {
      const features = model.file.features.map((f) => ({ ...f, required: true, scale: undefined }));
      return Response.json({ name: "toy", features });
    }
    if (path !== "/predict") return api(req);
    const body = await req.text();
    sent.push(body);
    return api(new Request(req.url, { method: "POST", body, headers: req.headers }));
  };
  await withServer(handler, async (base) => {
    await runSmoke(base);
    const mean = (name: string) => {
      const f = model.file.features.find((f) => f.name === name);
      return f?.type === "numeric" ? f.mean : undefined;
    };
    assertEquals(sent, [JSON.stringify({ f1: mean("f1"), f2: mean("f2") }), "{}"]);
  });
});

Deno.test("runSmoke() fails on a server that is not ready", async () => {
  const handler = patched("/readyz", () => new Response("draining", { status: 503 }));
  await withServer(handler, async (base) => {
    await assertRejects(
      () => runSmoke(base),
      SmokeError,
      'Smoke check "GET /readyz" failed: status 503, expected 200: draining',
    );
  });
});

Deno.test("runSmoke() fails when invalid input gets a 5xx instead of a 4xx", async () => {
  const handler: Handler = async (req) => {
    if (req.method !== "POST") return api(req);
    const body = await req.text();
    if (body === "{}") return new Response("boom", { status: 500 });
    return api(new Request(req.url, { method: "POST", body, headers: req.headers }));
  };
  await withServer(handler, async (base) => {
    await assertRejects(
      () => runSmoke(base),
      SmokeError,
      'Smoke check "POST /predict (invalid)" failed: status 500, expected a 4xx: boom',
    );
  });
});

Deno.test("runSmoke() fails when the valid body is refused, naming the status", async () => {
  await withServer(api, async (base) => {
    const err = await assertRejects(
      () => runSmoke(base, { body: '{"f1":"x"}' }),
      SmokeError,
      'Smoke check "POST /predict (valid)" failed: status 422, expected 200',
    );
    assertStringIncludes(err.message, "invalid_input");
  });
});

Deno.test("runSmoke() fails when /metrics lacks the service's metrics", async () => {
  const handler = patched("/metrics", () => new Response("# nothing\n"));
  await withServer(handler, async (base) => {
    await assertRejects(
      () => runSmoke(base),
      SmokeError,
      'Smoke check "GET /metrics" failed: no mvd_http_requests_total in the exposition',
    );
  });
});

Deno.test("runSmoke() reports a refused connection in one line", async () => {
  // a port that was just free: listen, note it, close
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const err = await assertRejects(
    () => runSmoke(new URL(`http://127.0.0.1:${port}`)),
    SmokeError,
    `Smoke check "GET /readyz" failed: cannot connect to http://127.0.0.1:${port}`,
  );
  assertEquals(err.message.includes("\n"), false);
});

Deno.test("runSmoke() gives up on a request that hangs past the timeout", async () => {
  const handler: Handler = () =>
    new Promise((resolve) => setTimeout(() => resolve(new Response("late")), 400));
  await withServer(handler, async (base) => {
    await assertRejects(
      () => runSmoke(base, { timeoutMs: 100 }),
      SmokeError,
      'Smoke check "GET /readyz" failed: no answer within 100 ms',
    );
  });
});

Deno.test("runSmoke() keeps a path prefix in the base URL", async () => {
  const handler: Handler = (req) => {
    const url = new URL(req.url);
    if (!url.pathname.startsWith("/mvd/")) return new Response("wrong prefix", { status: 404 });
    url.pathname = url.pathname.slice(4);
    return api(new Request(url, req));
  };
  await withServer(handler, async (base) => {
    const checks = await runSmoke(new URL("mvd", base));
    assertEquals(checks.length, 4);
  });
});
