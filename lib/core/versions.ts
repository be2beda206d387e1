/**
 * Versions of the runtime and the libraries a model was made with, for the
 * model document and its card.
 * @module
 */
import config from "../../deno.json" with { type: "json" };

/** Deno, V8, TypeScript and each pinned npm dependency, by name. */
export function runtimeVersions(): Record<string, string> {
  const versions: Record<string, string> = {
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    typescript: Deno.version.typescript,
  };
  for (const [, specifier] of Object.entries(config.imports)) {
    const match = /^npm:\/?((?:@[^/]+\/)?[^@/]+)@([^/]+)/.exec(specifier);
    if (match) versions[match[1]!] = match[2]!;
  }
  return versions;
}
