/**
 * What `deno task evaluate` is asked to do: its flags, the environment
 * variables the gate reads, and their defaults, validated into the
 * options of one run of the gate. Flags win over the environment.
 * @module
 */
import { z } from "zod";
import { UsageError } from "../core/errors.ts";
import { type Command, numberFlag, parseFlags } from "../core/flags.ts";
import { DEFAULT_KEEP } from "../registry/layout.ts";
import { SEED_THRESHOLDS } from "./rules.ts";
import type { GateOptions } from "./run.ts";

/** The environment variables the gate reads. */
export const GATE_ENV = ["MIN_ACCURACY", "MIN_F1"] as const;
/** One of the environment variables the gate reads. */
export type GateEnv = (typeof GATE_ENV)[number];

const command: Command = {
  usage: "deno task evaluate [flags]",
  summary:
    "Holds a model to quality thresholds on its held-out rows or on --data, writes evaluation.json, evaluation.md, confusion_matrix.svg and model_card.md into its directory, and promotes it to models/latest when it passes. Without --model it gates the newest run and promotes it; with --model it only scores unless --promote is given. Exits 0 when it passes, 1 when it does not, 2 on bad usage or input.",
  flags: {
    model: {
      type: "string",
      value: "RUN",
      description: "A run directory, `latest` or a run id (default: the newest run, promoted)",
    },
    data: {
      type: "string",
      value: "FILE",
      description: "Labelled CSV to score on (default: the rows held out at training)",
    },
    "min-accuracy": {
      type: "string",
      value: "F",
      description: `Minimum accuracy [MIN_ACCURACY] (default: ${SEED_THRESHOLDS.accuracy})`,
    },
    "min-f1": {
      type: "string",
      value: "F",
      description: `Minimum macro F1 [MIN_F1] (default: ${SEED_THRESHOLDS.f1})`,
    },
    "max-regression": {
      type: "string",
      value: "F",
      description: "Fail if accuracy or F1 is below latest's on --data by more than F",
    },
    promote: { type: "boolean", description: "Promote a --model that passes" },
    "allow-schema-change": {
      type: "boolean",
      description:
        "Promote even when the target, classes or input features differ from latest's (its clients must change too)",
    },
    keep: {
      type: "string",
      value: "N",
      default: String(DEFAULT_KEEP),
      description: "Runs of the same name to keep after a promotion (latest's is never deleted)",
    },
    json: { type: "boolean", description: "Print one JSON object instead of text" },
  },
};

const Fraction = numberFlag.pipe(z.number().min(0).max(1));

const Options = z.object({
  model: z.string().min(1).optional(),
  data: z.string().min(1).optional(),
  "min-accuracy": Fraction.optional(),
  "min-f1": Fraction.optional(),
  "max-regression": Fraction.optional(),
  promote: z.boolean().optional(),
  "allow-schema-change": z.boolean().optional(),
  keep: numberFlag.pipe(z.number().int().min(1)),
  json: z.boolean().optional(),
});

/** The gate's options, or the `--help` text. */
export type ParsedGate =
  | { help: true; text: string }
  | { help: false; options: GateOptions; json: boolean };

/**
 * Reads the gate's options from command-line `args` and environment `env`.
 * Throws a {@link UsageError} for a value it cannot use.
 */
export function gateOptions(
  args: string[],
  env: (name: GateEnv) => string | undefined,
): ParsedGate {
  const parsed = parseFlags(args, command, Options);
  if (parsed.help) return parsed;
  const o = parsed.options;
  if (o["max-regression"] !== undefined && o.data === undefined) {
    throw new UsageError(
      "Invalid --max-regression: it needs --data, so both models are scored on the same rows (see --help)",
    );
  }
  return {
    help: false,
    json: o.json === true,
    options: {
      model: o.model,
      data: o.data,
      thresholds: {
        accuracy: o["min-accuracy"] ?? fromEnv("MIN_ACCURACY", env) ?? SEED_THRESHOLDS.accuracy,
        f1: o["min-f1"] ?? fromEnv("MIN_F1", env) ?? SEED_THRESHOLDS.f1,
      },
      maxRegression: o["max-regression"],
      promote: o.model === undefined || o.promote === true,
      allowSchemaChange: o["allow-schema-change"] === true,
      keep: o.keep,
    },
  };
}

function fromEnv(
  name: GateEnv,
  env: (name: GateEnv) => string | undefined,
): number | undefined {
  const raw = env(name);
  if (raw === undefined || raw.trim() === "") return undefined;
  const result = Fraction.safeParse(raw);
  if (!result.success) {
    throw new UsageError(
      `Invalid ${name}: ${result.error.issues[0]?.message ?? "invalid value"} (got "${raw}")`,
    );
  }
  return result.data;
}
