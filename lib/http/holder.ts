/**
 * The model being served, behind one reference that a reload swaps
 * atomically: a request reads `holder.current` once and uses that model to
 * the end, so a swap never mixes two models in one answer.
 * @module
 */
import { type Model, modelVersion } from "../model/model.ts";

/** A loaded model with what the server reports about it. */
export interface ServedModel {
  /** The model. */
  model: Model;
  /** Its name, as in `model.json`. */
  name: string;
  /** Content hash of its document, see {@link modelVersion}. */
  version: string;
  /** Where it was loaded from. */
  source: string;
  /** When it was loaded, ISO 8601. */
  loadedAt: string;
}

/** Wraps a model for serving, computing its version. */
export async function serveModel(model: Model, source: string): Promise<ServedModel> {
  return {
    model,
    name: model.file.name,
    version: await modelVersion(model.file),
    source,
    loadedAt: new Date().toISOString(),
  };
}

/** Holds the served model and whether the server is draining. */
export class ModelHolder {
  #current: ServedModel | null;
  #draining = false;
  #listeners: Array<(served: ServedModel) => void> = [];
  /** Requests being handled right now; shutdown waits for it to reach 0. */
  active = 0;
  /** When a request last began or ended (`performance.now()`), for the drain's quiet period. */
  lastActivity = 0;

  /** Starts with `initial`, or with nothing to serve. */
  constructor(initial: ServedModel | null = null) {
    this.#current = initial;
  }

  /** The model to answer with, or null while none is loaded. */
  get current(): ServedModel | null {
    return this.#current;
  }

  /** True once shutdown began: readiness fails so traffic moves away. */
  get draining(): boolean {
    return this.#draining;
  }

  /** True while a model is loaded and the server is not draining. */
  get ready(): boolean {
    return this.#current !== null && !this.#draining;
  }

  /** Swaps in a new model; requests already running keep the old one. */
  swap(served: ServedModel): void {
    this.#current = served;
    for (const listener of this.#listeners) listener(served);
  }

  /** Calls `listener` after every swap (metrics use it for `model_info`). */
  onSwap(listener: (served: ServedModel) => void): void {
    this.#listeners.push(listener);
  }

  /** Marks the server as draining. */
  drain(): void {
    this.#draining = true;
  }

  /** Counts a request in; pair with {@link leave}. */
  enter(): void {
    this.active++;
    this.lastActivity = performance.now();
  }

  /** Counts a request out. */
  leave(): void {
    this.active--;
    this.lastActivity = performance.now();
  }

  /**
   * Resolves true once no request is running and none began or ended for
   * `quietMs`; false if that has not happened after `ms`.
   */
  async settled(quietMs: number, ms: number): Promise<boolean> {
    const deadline = performance.now() + ms;
    for (;;) {
      const now = performance.now();
      if (this.active === 0 && now - this.lastActivity >= quietMs) return true;
      if (now >= deadline) return false;
      const wait = this.active === 0 ? quietMs - (now - this.lastActivity) : 20;
      await new Promise((resolve) =>
        setTimeout(resolve, Math.max(1, Math.min(wait, deadline - now)))
      );
    }
  }

  /** Resolves once no request is active, or after `ms` (false then). */
  idle(ms: number): Promise<boolean> {
    return this.settled(0, ms);
  }
}
