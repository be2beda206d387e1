/**
 * Model reload without downtime: load the new model, validate it fully, then
 * swap it into the {@link ModelHolder}. A sealed run (one with a
 * `manifest.json`) must match its seal; a plain directory with only
 * `model.json` is loaded as it is; either must lie inside the registry. A
 * failed load keeps the old model serving; it is logged and counted. So does
 * a model whose inputs or classes differ from the one being served, which
 * its clients could not use: a restart serves it. Triggers: SIGHUP (wired by `serve.ts`)
 * and changes to the model directory, which covers both a `model.json`
 * renamed into place and a `models/latest` symlink swapped to another run.
 * @module
 */
import { describeError } from "../core/errors.ts";
import { type ModelHolder, serveModel } from "../http/holder.ts";
import type { Logger } from "../core/log.ts";
import type { HttpMetrics } from "../http/prometheus.ts";
import { loadSealedModel } from "../registry/seal.ts";
import { signatureChanges, signatureOf } from "../model/signature.ts";

/** What started a load. */
export type Trigger = "startup" | "signal" | "watch";

/** How a load ended. */
export type Outcome = "success" | "unchanged" | "incompatible" | "failure";

/** What the reloader works on. */
export interface ReloaderDeps {
  /** The holder to swap models into. */
  holder: ModelHolder;
  /** The model directory (or symlink to one). */
  dir: string;
  /** Counts loads in `mvd_model_reloads_total`. */
  metrics: HttpMetrics;
  /** Logs each load. */
  logger: Logger;
  /** The registry root the model must lie in (default `models`). */
  root?: string;
  /** Quiet time after the last change before loading, in ms. Default 200. */
  debounceMs?: number;
}

/** Loads models into a holder, one load at a time. */
export class Reloader {
  readonly #deps: ReloaderDeps;
  #running: Promise<Outcome> | null = null;
  #again: Promise<Outcome> | null = null;

  /** Creates a reloader for `deps.dir`. */
  constructor(deps: ReloaderDeps) {
    this.#deps = deps;
  }

  /**
   * Loads the model directory and swaps it in when valid and different.
   * Calls during a load queue exactly one more load, so the last change
   * always wins and loads never overlap.
   */
  reload(trigger: Trigger): Promise<Outcome> {
    if (!this.#running) {
      this.#running = this.#load(trigger).finally(() => (this.#running = null));
      return this.#running;
    }
    this.#again ??= this.#running.then(() => {
      this.#again = null;
      return this.reload(trigger);
    });
    return this.#again;
  }

  async #load(trigger: Trigger): Promise<Outcome> {
    const { holder, dir, metrics, logger } = this.#deps;
    let outcome: Outcome;
    try {
      // check and read one directory: a symlink swapped in between must not
      // pair one run's seal with another run's model
      const resolved = await Deno.realPath(dir).catch(() => dir);
      const model = await loadSealedModel(resolved, { root: this.#deps.root });
      const served = await serveModel(model, dir);
      const current = holder.current;
      // clients of the model being served must be able to use the next one
      const changes = current
        ? signatureChanges(signatureOf(current.model.file), signatureOf(model.file), {
          target: false,
        })
        : [];
      if (current?.version === served.version) {
        outcome = "unchanged";
        logger.log("debug", "model unchanged", { trigger, version: served.version });
      } else if (changes.length > 0) {
        outcome = "incompatible";
        logger.log("warn", "model reload refused", {
          trigger,
          changes,
          serving: current?.version ?? null,
          refused: served.version,
          hint: "its inputs or classes differ from the model being served: restart to serve it",
        });
      } else {
        const previous = holder.current?.version ?? null;
        holder.swap(served);
        outcome = "success";
        logger.log("info", "model loaded", {
          trigger,
          name: served.name,
          version: served.version,
          previous,
          created_at: served.model.file.createdAt,
          source: dir,
        });
      }
    } catch (err) {
      outcome = "failure";
      logger.log(holder.current ? "warn" : "error", "model load failed", {
        trigger,
        error: describeError(err),
        serving: holder.current?.version ?? null,
      });
    }
    metrics.reloads.inc({ trigger, result: outcome });
    return outcome;
  }

  /**
   * Watches the model directory and its parent (a swapped symlink shows up
   * only in the parent) and reloads after changes settle. Returns a function
   * that stops watching.
   */
  watch(): () => void {
    const { dir, logger } = this.#deps;
    const trimmed = dir.replace(/\/+$/, "") || "/";
    const slash = trimmed.lastIndexOf("/");
    const parent = slash > 0 ? trimmed.slice(0, slash) : slash === 0 ? "/" : ".";
    const base = trimmed.slice(slash + 1);
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    let dirWatcher: Deno.FsWatcher | null = null;
    let parentWatcher: Deno.FsWatcher | null = null;

    const schedule = () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        await this.reload("watch");
        // the directory may now be another one (a swapped symlink): watch that
        if (!stopped) watchDir();
      }, this.#deps.debounceMs ?? 200);
    };
    const pump = async (watcher: Deno.FsWatcher, relevant: (e: Deno.FsEvent) => boolean) => {
      try {
        for await (const event of watcher) {
          if (event.kind !== "access" && relevant(event)) schedule();
        }
      } catch {
        // a watcher closed under us (directory removed): the parent still sees it return
      }
    };
    const watchDir = () => {
      dirWatcher?.close();
      dirWatcher = null;
      try {
        dirWatcher = Deno.watchFs(trimmed, { recursive: false });
        pump(dirWatcher, () => true);
      } catch (err) {
        logger.log("warn", "cannot watch model directory", { dir, error: describeError(err) });
      }
    };
    try {
      parentWatcher = Deno.watchFs(parent, { recursive: false });
      pump(parentWatcher, (e) => e.paths.some((p) => p.slice(p.lastIndexOf("/") + 1) === base));
    } catch (err) {
      logger.log("warn", "cannot watch the model directory's parent; symlink swaps need SIGHUP", {
        dir: parent,
        error: describeError(err),
      });
    }
    watchDir();
    return () => {
      stopped = true;
      clearTimeout(timer);
      dirWatcher?.close();
      parentWatcher?.close();
    };
  }
}
