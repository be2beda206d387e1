// PSI of an unchanged feature from sampling noise alone: ten equal decile bins (plus the empty
// missing and unseen buckets), `rows` rows drawn from the reference, 4,000 draws per size.
// Run: deno run bench/psi_noise.ts — the table behind drift's --min-rows (docs/http-api.md).
import { psi } from "../lib/monitor/psi.ts";

const ref = new Float64Array(12);
for (let b = 0; b < 10; b++) ref[b] = 0.1;
console.log("| rows | mean PSI | 99th percentile | 99.9th percentile |\n|---|---|---|---|");
for (const n of [50, 100, 200, 300, 500, 1000]) {
  const values: number[] = [];
  for (let t = 0; t < 4000; t++) {
    const counts = new Float64Array(12);
    for (let i = 0; i < n; i++) counts[Math.floor(Math.random() * 10)]!++;
    values.push(psi(ref, counts, { from: 0, to: 12, total: n }));
  }
  values.sort((a, b) => a - b);
  const at = (q: number) => values[Math.floor(q * values.length)]!.toFixed(3);
  const mean = values.reduce((a, b) => a + b) / values.length;
  console.log(`| ${n} | ${mean.toFixed(3)} | ${at(0.99)} | ${at(0.999)} |`);
}
