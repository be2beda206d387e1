import { assertAlmostEquals, assertEquals } from "../_testing/assert.ts";
import { minimize } from "./lbfgs.ts";

Deno.test("minimize() finds the minimum of the Rosenbrock function", () => {
  const rosenbrock = (x: Float64Array, g: Float64Array) => {
    const [a, b] = [x[0]!, x[1]!];
    g[0] = -2 * (1 - a) - 400 * a * (b - a * a);
    g[1] = 200 * (b - a * a);
    return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
  };
  const result = minimize(rosenbrock, Float64Array.from([-1.2, 1]), { maxIter: 200, tol: 1e-8 });
  assertEquals(result.reason, "gradient");
  assertAlmostEquals(result.x[0]!, 1, 1e-6);
  assertAlmostEquals(result.x[1]!, 1, 1e-6);
});

Deno.test("minimize() stops at maxIter and says so", () => {
  const bowl = (x: Float64Array, g: Float64Array) => {
    let v = 0;
    for (let i = 0; i < x.length; i++) {
      g[i] = 2 * (i + 1) * x[i]!;
      v += (i + 1) * x[i]! ** 2;
    }
    return v;
  };
  const result = minimize(bowl, new Float64Array(10).fill(3), { maxIter: 2, tol: 1e-12 });
  assertEquals(result.reason, "max-iter");
  assertEquals(result.iterations, 2);
});
