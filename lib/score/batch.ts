/**
 * Batch scoring: a CSV file of rows in, a CSV of predictions out, streamed.
 *
 * Rows come in blocks from the reader shared with the drift report
 * (`readBlocks`, `reader.ts`: read, validated as serving validates a row,
 * encoded as training encodes columns), are predicted as the gate predicts
 * (`Model.predictEncoded`), and written out before the next block fills.
 * Memory stays bounded whatever the file's size.
 *
 * Output columns: the `ids` columns as they are, `prediction`, a `p_<label>`
 * per class, and with `explain` the predicted class's `logit`, its `base` and
 * a `c_<feature>` contribution per feature (lib/score/explain.ts). Columns
 * that are neither a feature nor an id are not read (see `reader.ts`).
 * @module
 */
import { explainer } from "./explain.ts";
import { ByteWriter, csvCell, type Sink } from "./output.ts";
import { type Block, readBlocks, type ReadOptions, type ReadResult } from "./reader.ts";

export { BLOCK_ROWS } from "./reader.ts";

/** Options for {@link scoreCsv}: the reader's (model, ids, delimiter, progress), and `explain`. */
export interface ScoreOptions
  extends Pick<ReadOptions, "model" | "ids" | "delimiter" | "progress"> {
  /** Add the explanation columns. */
  explain?: boolean;
}

/** What a finished run did: rows scored, unseen categories counted, columns not read. */
export type ScoreResult = ReadResult;

const COMMA = 0x2c, LF = 0x0a;

/**
 * Scores every row of the CSV file at `path` into `sink`, committing it once
 * all are written; on any failure the sink is aborted and the error thrown.
 */
export async function scoreCsv(
  path: string,
  sink: Sink,
  options: ScoreOptions,
): Promise<ScoreResult> {
  const { model } = options;
  const out = new ByteWriter(sink);
  const explain = options.explain ? explainer(model.file) : null;
  const names = model.file.features.map((f) => f.name);
  const contributions = new Float64Array(names.length);
  /** Each class's `prediction` cell, ready quoted. */
  const labels = model.classes.map((c) => csvCell(String(c)));
  const k = model.classes.length;
  let idCount = 0;
  const write = ({ count: n, x, ids }: Block) => {
    const width = model.width;
    const { classes, probabilities } = model.predictEncoded(x, n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < idCount; j++) {
        out.text(csvCell(ids[i * idCount + j]!));
        out.byte(COMMA);
      }
      const c = classes[i]!;
      out.text(labels[c]!);
      for (let j = 0; j < k; j++) {
        out.byte(COMMA);
        out.text(String(probabilities[i * k + j]!));
      }
      if (explain) {
        const logit = explain.intoEncoded(x, i * width, c, contributions);
        out.byte(COMMA);
        out.text(String(logit));
        out.byte(COMMA);
        out.text(String(explain.base(c)));
        for (let f = 0; f < contributions.length; f++) {
          out.byte(COMMA);
          out.text(String(contributions[f]!));
        }
      }
      out.byte(LF);
    }
  };
  let result: ScoreResult;
  try {
    result = await readBlocks(path, {
      model,
      ids: options.ids,
      delimiter: options.delimiter,
      progress: options.progress,
      header(ids) {
        idCount = ids.length;
        const columns = [
          ...ids,
          "prediction",
          ...model.classes.map((c) => `p_${c}`),
          ...(explain ? ["logit", "base", ...names.map((n) => `c_${n}`)] : []),
        ];
        out.text(columns.map(csvCell).join(",") + "\n");
      },
      block: write,
    });
    out.flush();
  } catch (err) {
    await sink.abort();
    throw err;
  }
  await sink.commit();
  return result;
}
