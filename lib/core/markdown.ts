/**
 * Markdown for the reports people read (`evaluation.md`, `model_card.md`):
 * numbers to a few digits, and text from data or from a model file (labels,
 * column names, categories, paths, run ids) made inert. GitLab and other
 * viewers render these files, so such text must show as the plain text it
 * is: never HTML, emphasis, a link, a heading, a new line or a table cell.
 * @module
 */

/** A number for a report: to 4 significant digits, without trailing zeros. */
export function fmt(n: number): string {
  return String(Number(n.toPrecision(4)));
}

/** Line endings and other control characters, each of which becomes one space. */
// deno-lint-ignore no-control-regex -- control characters are what it replaces
const CONTROL = /\r\n|[\x00-\x1f\x7f]/g;

/**
 * Characters that can start markup in the middle of a line, in CommonMark,
 * GFM or GitLab: code spans, emphasis, links and images, headings' closing
 * `#`s, table cells, strikethrough, math, references (`#1`, `!1`, `@user`,
 * `~label`, `$1`) and inline diffs (`{+ +}`). A `_` between two letters or
 * digits cannot start or end emphasis, so `sepal_length` stays as it is.
 */
const MARKUP = /[\\`*[\]#|!~$@{}]|(?<![\p{L}\p{N}])_|_(?![\p{L}\p{N}])/gu;

/**
 * `text` as plain inline text: for prose, list items, headings and table
 * cells. Control characters (newlines too) become spaces; `&`, `<` and `>`
 * become character references, so no HTML can start; every character that
 * could start other markup is backslash-escaped.
 *
 * @example
 * ```ts
 * mdText("<b>a|b</b>\n# c"); // "&lt;b&gt;a\\|b&lt;/b&gt; \\# c"
 * ```
 */
export function mdText(text: string): string {
  const inline = text.replace(CONTROL, " ")
    .replace(/[&<>]/g, (c) => c === "&" ? "&amp;" : c === "<" ? "&lt;" : "&gt;")
    .replace(MARKUP, "\\$&");
  const start = LINE_START.find((pattern) => pattern.test(inline));
  return start ? inline.replace(start, "$1\\$2") : inline;
}

/**
 * What starts a block when it opens a line, as text at the start of a line
 * or after a list item's `- ` does: a list marker (`- x`, `+ x`, `1. x`,
 * `1) x`), a thematic break (`--`, `- -`, which a list item's own `- `
 * completes) or a setext underline (`==`). Its marker character is escaped;
 * text such as `-2` or `1.5` starts no block and stays as it is.
 */
const LINE_START = [
  /^(\s*)([-+])(?=\s|$)/,
  /^(\s*\d{1,9})([.)])(?=\s|$)/,
  /^(\s*)(-)(?=[\s-]*$)/,
  /^(\s*)(=)(?=[\s=]*$)/,
];

/**
 * `text` as an inline code span, shown exactly (control characters become
 * spaces): fenced with one backtick more than its longest run of them, and
 * padded with a space where CommonMark would otherwise eat one. Not for
 * table cells, where GFM splits at a `|` even inside code: use {@link mdText}.
 */
export function mdCode(text: string): string {
  const flat = text.replace(CONTROL, " ");
  if (flat === "") return "` `";
  const fence = "`".repeat(longestRun(flat, "`") + 1);
  const pad = flat.startsWith("`") || flat.endsWith("`") ||
      (flat.startsWith(" ") && flat.endsWith(" ") && flat.trim() !== "")
    ? " "
    : "";
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/**
 * `text`, which may span lines, as a fenced code block: the fence is longer
 * than any run of backticks in it, so no line of it can close the block.
 */
export function mdCodeBlock(text: string, info = ""): string {
  const fence = "`".repeat(Math.max(3, longestRun(text, "`") + 1));
  return `${fence}${info}\n${text}\n${fence}`;
}

function longestRun(text: string, char: string): number {
  let longest = 0;
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    run = text[i] === char ? run + 1 : 0;
    if (run > longest) longest = run;
  }
  return longest;
}
