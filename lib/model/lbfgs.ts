/**
 * Limited-memory BFGS: minimises a smooth function of a Float64Array.
 *
 * The search direction comes from the classic two-loop recursion over the
 * last few steps; the step length from a backtracking line search under the
 * Armijo condition, which is enough for the convex losses trained here.
 * Everything is deterministic: the same start and function give the same
 * bytes.
 * @module
 */

/** Writes the gradient at `x` into `gradient` and returns the value at `x`. */
export type Objective = (x: Float64Array, gradient: Float64Array) => number;

/** Options for {@link minimize}. */
export interface LbfgsOptions {
  /** Iterations at most. */
  maxIter: number;
  /** Stop when the largest absolute gradient component is at most this. */
  tol: number;
  /** Steps remembered for the curvature estimate (10 by default). */
  memory?: number;
  /** Called after each iteration, for progress reports. */
  onIteration?: (iteration: number, value: number) => void;
}

/** Where {@link minimize} stopped and why. */
export interface LbfgsResult {
  /** The minimiser found (the input array, updated in place). */
  x: Float64Array;
  /** The objective there. */
  value: number;
  /** Iterations taken. */
  iterations: number;
  /** Why it stopped. */
  reason: "gradient" | "no-progress" | "max-iter";
}

// relative decrease below which another step is not worth taking, as SciPy's ftol
const FTOL = 64 * Number.EPSILON;

/** Minimises `f` from the start point `x`, which it updates in place. */
export function minimize(f: Objective, x: Float64Array, options: LbfgsOptions): LbfgsResult {
  const n = x.length;
  const m = options.memory ?? 10;
  const s = Array.from({ length: m }, () => new Float64Array(n));
  const y = Array.from({ length: m }, () => new Float64Array(n));
  const rho = new Float64Array(m);
  const alpha = new Float64Array(m);
  let stored = 0;
  let newest = -1;

  const g = new Float64Array(n);
  const gNext = new Float64Array(n);
  const xNext = new Float64Array(n);
  const d = new Float64Array(n);
  let value = f(x, g);
  if (!Number.isFinite(value)) throw new RangeError("Cannot minimize: objective is not finite");

  for (let iteration = 0; iteration < options.maxIter; iteration++) {
    if (maxAbs(g) <= options.tol) return { x, value, iterations: iteration, reason: "gradient" };
    // two-loop recursion: d = -H g
    for (let i = 0; i < n; i++) d[i] = -g[i]!;
    for (let k = 0; k < stored; k++) {
      const j = (newest - k + m) % m;
      const a = rho[j]! * dot(s[j]!, d);
      alpha[j] = a;
      axpy(-a, y[j]!, d);
    }
    if (stored > 0) {
      const yy = dot(y[newest]!, y[newest]!);
      scale(d, 1 / (rho[newest]! * yy));
    }
    for (let k = stored - 1; k >= 0; k--) {
      const j = (newest - k + m) % m;
      const b = rho[j]! * dot(y[j]!, d);
      axpy(alpha[j]! - b, s[j]!, d);
    }
    let slope = dot(g, d);
    if (!(slope < 0)) {
      // not a descent direction: forget the curvature and go downhill
      for (let i = 0; i < n; i++) d[i] = -g[i]!;
      slope = dot(g, d);
      stored = 0;
    }
    // the first step has no curvature estimate: keep its length at one unit
    let step = stored === 0 ? Math.min(1, 1 / Math.sqrt(-slope)) : 1;
    let next = NaN;
    for (let tries = 0; tries < 40; tries++) {
      for (let i = 0; i < n; i++) xNext[i] = x[i]! + step * d[i]!;
      next = f(xNext, gNext);
      if (Number.isFinite(next) && next <= value + 1e-4 * step * slope) break;
      step /= 2;
      next = NaN;
    }
    if (Number.isNaN(next)) return { x, value, iterations: iteration, reason: "no-progress" };
    const slot = (newest + 1) % m;
    const sv = s[slot]!, yv = y[slot]!;
    for (let i = 0; i < n; i++) {
      sv[i] = xNext[i]! - x[i]!;
      yv[i] = gNext[i]! - g[i]!;
    }
    const sy = dot(sv, yv);
    // keep the update only where curvature is positive, so H stays positive definite
    if (sy > 1e-12 * Math.sqrt(dot(sv, sv) * dot(yv, yv))) {
      rho[slot] = 1 / sy;
      newest = slot;
      stored = Math.min(stored + 1, m);
    }
    const decrease = value - next;
    x.set(xNext);
    g.set(gNext);
    value = next;
    options.onIteration?.(iteration + 1, value);
    if (maxAbs(g) <= options.tol) {
      return { x, value, iterations: iteration + 1, reason: "gradient" };
    }
    if (decrease <= FTOL * Math.max(Math.abs(value), Math.abs(value + decrease), 1)) {
      return { x, value, iterations: iteration + 1, reason: "no-progress" };
    }
  }
  const reason = maxAbs(g) <= options.tol ? "gradient" : "max-iter";
  return { x, value, iterations: options.maxIter, reason };
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

function axpy(a: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i] = y[i]! + a * x[i]!;
}

function scale(x: Float64Array, a: number): void {
  for (let i = 0; i < x.length; i++) x[i] = x[i]! * a;
}

function maxAbs(x: Float64Array): number {
  let max = 0;
  for (let i = 0; i < x.length; i++) {
    const v = Math.abs(x[i]!);
    if (v > max) max = v;
  }
  return max;
}
