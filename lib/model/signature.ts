/**
 * A model's schema signature: its target, its class labels, and its input
 * features with their types. Two models with the same signature answer the
 * same requests with the same kind of answer, so one can replace the other
 * under running clients; the gate and the server's reload compare them.
 * @module
 */
import type { ModelFile } from "./model.ts";

/** What clients of a model depend on. */
export interface Signature {
  /** The column predicted. */
  target: string;
  /** Class labels in order, as JSON (so `1` and `"1"` differ). */
  classes: string[];
  /** Input features in order, with their types. */
  features: Array<{ name: string; type: "numeric" | "categorical" | "date" }>;
}

/** The signature of a model document. */
export function signatureOf(file: ModelFile): Signature {
  return {
    target: file.target,
    classes: file.classes.map((c) => JSON.stringify(c)),
    features: file.features.map((f) => ({ name: f.name, type: f.type })),
  };
}

/** Which parts to compare: a running server's clients do not see the target's name. */
export interface CompareOptions {
  /** Compare the target's name too (default true). */
  target?: boolean;
}

/**
 * The differences from signature `from` to `to`, one line each (target,
 * classes, features added, removed or retyped); empty when they match.
 * Feature order does not matter: requests name their features.
 */
export function signatureChanges(
  from: Signature,
  to: Signature,
  options: CompareOptions = {},
): string[] {
  const changes: string[] = [];
  if ((options.target ?? true) && from.target !== to.target) {
    changes.push(`target ${JSON.stringify(from.target)} → ${JSON.stringify(to.target)}`);
  }
  if (from.classes.join("\0") !== to.classes.join("\0")) {
    changes.push(`classes ${list(from.classes)} → ${list(to.classes)}`);
  }
  const before = new Map(from.features.map((f) => [f.name, f.type]));
  const after = new Map(to.features.map((f) => [f.name, f.type]));
  const added = to.features.filter((f) => !before.has(f.name)).map((f) => f.name);
  const removed = from.features.filter((f) => !after.has(f.name)).map((f) => f.name);
  const retyped = to.features
    .filter((f) => before.has(f.name) && before.get(f.name) !== f.type)
    .map((f) => `${JSON.stringify(f.name)} ${before.get(f.name)} → ${f.type}`);
  if (added.length) changes.push(`features added: ${names(added)}`);
  if (removed.length) changes.push(`features removed: ${names(removed)}`);
  if (retyped.length) changes.push(`features retyped: ${retyped.join(", ")}`);
  return changes;
}

const SHOWN = 8;

function list(items: string[]): string {
  const shown = items.slice(0, SHOWN).join(", ");
  return `[${shown}${items.length > SHOWN ? `, … ${items.length - SHOWN} more` : ""}]`;
}

function names(items: string[]): string {
  const shown = items.slice(0, SHOWN).map((n) => JSON.stringify(n)).join(", ");
  return `${shown}${items.length > SHOWN ? `, … ${items.length - SHOWN} more` : ""}`;
}
