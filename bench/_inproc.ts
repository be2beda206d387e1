import { Registry } from "prom-client";
import { ModelHolder, serveModel } from "../lib/holder.ts";
import { createApp } from "../lib/http/app.ts";
import { Logger } from "../lib/http/log.ts";
import { loadModel } from "../lib/model.ts";
const model = await loadModel("models/latest");
const holder = new ModelHolder(await serveModel(model, "x"));
const level = (Deno.args[0] ?? "info") as "info";
let n = 0;
const app = createApp({
  holder,
  registry: new Registry(),
  logger: new Logger(level, (s) => {
    n += s.length;
  }),
});
const body = '{"f1":1,"f2":0}';
async function run(count: number) {
  const t = performance.now();
  for (let i = 0; i < count; i++) {
    const res = await app.fetch(
      new Request("http://x/predict", {
        method: "POST",
        body,
        headers: { "content-type": "application/json", "content-length": "15" },
      }),
    );
    await res.text();
  }
  return (performance.now() - t) / count * 1000;
}
await run(20000);
console.log("us/req", (await run(50000)).toFixed(2));
const bare = async (req: Request) => {
  const row = await req.json();
  return Response.json({ prediction: 0.5 * row.f1 - 0.3 * row.f2 > 0 ? 1 : 0 });
};
let t = performance.now();
for (let i = 0; i < 50000; i++) {
  const r = await bare(
    new Request("http://x/predict", {
      method: "POST",
      body,
      headers: { "content-type": "application/json" },
    }),
  );
  await r.text();
}
console.log("bare us/req", ((performance.now() - t) / 50000 * 1000).toFixed(2));
