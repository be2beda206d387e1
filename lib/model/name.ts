/**
 * Model names: what a run is a version of. Every run has one; it starts the
 * run id, names the model in KServe V2 routes and in `mvd_model_info`, and
 * groups runs for pruning.
 *
 * The default comes from the training file: its base name without the
 * extension (the last one that starts with a letter), lower-cased, with every run of other characters than letters,
 * digits, `.`, `_` and `-` turned into one `-` (`Penguins Size.csv` gives
 * `penguins-size`).
 * @module
 */
import { z } from "zod";

/** The rule a name follows, for error messages. */
export const NAME_RULE =
  "1 to 63 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit";

/** A model name. */
export const ModelName = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, `expected ${NAME_RULE}`);
/** A model name. */
export type ModelName = z.infer<typeof ModelName>;

/** The default name for a model trained on the file at `path`; `model` when nothing is left. */
export function nameFromPath(path: string): ModelName {
  const base = path.slice(path.lastIndexOf("/") + 1);
  // one extension that starts with a letter (`.csv`, `.tsv`), after a compression suffix
  const stem = base.replace(/(\.(gz|bz2|xz|zst))?$/i, "").replace(/\.[a-z][a-z0-9]{0,4}$/i, "");
  const name = stem.toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^[._-]+/, "")
    .slice(0, 63)
    .replace(/[._-]+$/, "");
  return name === "" ? "model" : name;
}
