import { assert, assertEquals } from "../_testing/assert.ts";
import { Logger } from "../core/log.ts";
import { Journal } from "./journal.ts";

const MODEL = { name: "toy", version: "abc123" };
const ANSWER = '{"prediction":1,"probabilities":{"0":0.25,"1":0.75}}';

async function readLines(path: string): Promise<Array<Record<string, unknown>>> {
  const text = await Deno.readTextFile(path);
  return text.trim().split("\n").map((l) => JSON.parse(l));
}

Deno.test("Journal writes a JSON line per row: time, request id, model, inputs, answer", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/sub/predictions.jsonl`;
  const journal = new Journal({ path, sample: 1, maxBytes: 1 << 20 });
  journal.add(MODEL, "req-1", [{ f1: 1, f2: 0 }], ANSWER);
  const answers = ['{"prediction":0,"probabilities":{"0":0.9,"1":0.1}}', ANSWER];
  journal.add(MODEL, "req-2", [{ f1: 0, f2: 1 }, { f1: 1, f2: null }], (i) => answers[i]!);
  await journal.close();
  const lines = await readLines(path);
  assertEquals(lines.length, 3);
  assertEquals(typeof lines[0]!.time, "string");
  const expected = (id: string, inputs: object, answer: string, row?: number) => ({
    request_id: id,
    model: "toy",
    version: "abc123",
    ...(row === undefined ? {} : { row }),
    inputs,
    ...JSON.parse(answer),
  });
  assertEquals(lines.map(({ time: _, ...rest }) => rest), [
    expected("req-1", { f1: 1, f2: 0 }, ANSWER),
    expected("req-2", { f1: 0, f2: 1 }, answers[0]!, 0),
    expected("req-2", { f1: 1, f2: null }, ANSWER, 1),
  ]);
});

Deno.test("Journal samples requests at the given share", () => {
  let n = 0;
  const draws = [0.05, 0.5, 0.95, 0.2];
  const journal = new Journal({
    path: "unused",
    sample: 0.25,
    maxBytes: 1024,
    random: () => draws[n++ % draws.length]!,
  });
  assertEquals([journal.take(), journal.take(), journal.take(), journal.take()], [
    true,
    false,
    false,
    true,
  ]);
  const never = new Journal({ path: "unused", sample: 0, maxBytes: 1024 });
  assertEquals(never.take(), false);
});

Deno.test("Journal rotates at maxBytes and keeps three old files", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/p.jsonl`;
  const journal = new Journal({ path, sample: 1, maxBytes: 600 });
  for (let i = 0; i < 20; i++) {
    journal.add(MODEL, `r${i}`, [{ f1: i, f2: 0 }], ANSWER);
    await journal.flush();
  }
  await journal.close();
  const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
  assertEquals(names, ["p.jsonl", "p.jsonl.1", "p.jsonl.2", "p.jsonl.3"]);
  for (const name of names) assert(Deno.statSync(`${dir}/${name}`).size <= 600, name);
  // the newest lines are in the current file, the ones before them in .1
  const current = await readLines(path);
  assertEquals(current.at(-1)!.request_id, "r19");
  const previous = await readLines(`${path}.1`);
  assertEquals(
    previous.at(-1)!.request_id,
    `r${Number(String(current[0]!.request_id).slice(1)) - 1}`,
  );
});

Deno.test("Journal counts and logs an unwritable file once, and never throws", async () => {
  const dir = await Deno.makeTempDir();
  const blocker = `${dir}/not-a-dir`;
  await Deno.writeTextFile(blocker, "");
  const logged: string[] = [];
  let lost = 0;
  const journal = new Journal({
    path: `${blocker}/p.jsonl`,
    sample: 1,
    maxBytes: 1 << 20,
    onLost: (n) => (lost += n),
    logger: new Logger("info", (line) => logged.push(line)),
  });
  journal.add(MODEL, "a", [{ f1: 1 }], ANSWER);
  await journal.flush();
  journal.add(MODEL, "b", [{ f1: 1 }, { f1: 2 }], () => ANSWER);
  await journal.close();
  assertEquals(lost, 3);
  assertEquals(logged.length, 1);
  const line = JSON.parse(logged[0]!);
  assertEquals([line.level, line.msg, line.path], [
    "error",
    "prediction log write failed; dropping its lines",
    `${blocker}/p.jsonl`,
  ]);
});

Deno.test("Journal drops rows past its backlog limit and counts them", async () => {
  const dir = await Deno.makeTempDir();
  let lost = 0;
  const journal = new Journal({
    path: `${dir}/p.jsonl`,
    sample: 1,
    maxBytes: 1 << 20,
    maxPending: 3,
    onLost: (n) => (lost += n),
  });
  for (let i = 0; i < 5; i++) journal.add(MODEL, `r${i}`, [{ f1: i }], ANSWER);
  await journal.close();
  assertEquals(lost, 2);
  assertEquals((await readLines(`${dir}/p.jsonl`)).length, 3);
});

Deno.test("Journal keeps every line whole and UTF-8 across encoded chunks and reused buffers", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/p.jsonl`;
  const journal = new Journal({ path, sample: 1, maxBytes: 1 << 30 });
  const cities = ["Zürich", "東京", 'a "quoted"\nline', "plain"];
  // 3,000 lines of ~150 characters: several 64 Ki-character chunks per flush, three flushes
  for (let batch = 0; batch < 3; batch++) {
    for (let i = 0; i < 1000; i++) {
      journal.one(MODEL, `b${batch}-${i}`, { city: cities[i % 4]!, n: i }, ANSWER);
    }
    await journal.flush();
  }
  await journal.close();
  const lines = await readLines(path);
  assertEquals(lines.length, 3000);
  lines.forEach((line, j) => {
    const batch = Math.floor(j / 1000), i = j % 1000;
    assertEquals([line.request_id, line.inputs], [`b${batch}-${i}`, { city: cities[i % 4], n: i }]);
  });
});
