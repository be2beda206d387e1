/**
 * Reading rendered Markdown back in tests, by CommonMark's and GFM's rules:
 * what block each line starts, the cells of a table row, code spans, and
 * the text an escaped string stands for. Written from the specs, not from
 * `lib/core/markdown.ts`, so that it can catch that module out.
 * @module
 */

/** Text as a report must show it on one line: each line ending or control character a space. */
export function oneLine(text: string): string {
  // deno-lint-ignore no-control-regex -- control characters are what it replaces
  return text.replace(/\r\n|[\x00-\x1f\x7f]/g, " ");
}

/** What a line starts, outside fenced code: a heading, list item, table row, … */
export function lineKind(line: string): string {
  const heading = /^ {0,3}(#{1,6})(?:[ \t]|$)/.exec(line);
  if (heading) return `heading ${heading[1]!.length}`;
  if (/^ {0,3}(?:`{3,}|~{3,})/.test(line)) return "fence";
  if (/^ {0,3}>/.test(line)) return "quote";
  if (/^ {0,3}(?:[-*_])(?:[ \t]*[-*_]){2,}[ \t]*$/.test(line)) return "thematic break";
  if (/^ {0,3}(?:[-+*]|\d{1,9}[.)])(?:[ \t]|$)/.test(line)) return "list item";
  if (/^ {0,3}(?:=+|-+)[ \t]*$/.test(line)) return "setext underline";
  if (/^ {0,3}</.test(line)) return "html";
  if (/^(?: {4}|\t)/.test(line)) return "indented code";
  if (line.startsWith("|")) return "table row";
  if (line.trim() === "") return "blank";
  return "text";
}

/** The lines of a document: CommonMark ends a line at LF, CR or CRLF. */
export function splitLines(markdown: string): string[] {
  return markdown.split(/\r\n|\r|\n/);
}

/** Each line's kind, with the lines inside fenced code blocks as `code`. */
export function lineKinds(markdown: string): string[] {
  let fence: string | null = null;
  return splitLines(markdown).map((line) => {
    if (fence !== null) {
      // a closing fence: the same character, at least as long, nothing after it
      const close = /^ {0,3}(`{3,}|~{3,})[ \t]*$/.exec(line)?.[1];
      if (close && close[0] === fence[0] && close.length >= fence.length) {
        fence = null;
        return "fence";
      }
      return "code";
    }
    const open = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (open) fence = open;
    return lineKind(line);
  });
}

/**
 * The cells of a GFM table row: split at every `|` not escaped by a
 * backslash (GFM splits inside code spans too), without the outer pipes.
 */
export function tableCells(row: string): string[] {
  const cells: string[] = [];
  let current = "";
  for (let i = 0; i < row.length; i++) {
    const c = row[i]!;
    if (c === "\\" && i + 1 < row.length) {
      current += c + row[++i];
    } else if (c === "|") {
      cells.push(current);
      current = "";
    } else current += c;
  }
  cells.push(current);
  // the leading and trailing pipes leave an empty cell at each end
  if (row.trimStart().startsWith("|")) cells.shift();
  if (/\|\s*$/.test(row) && !/\\\|\s*$/.test(row)) cells.pop();
  return cells.map((c) => c.trim());
}

/** A piece of a line: text, or a code span with its content as CommonMark reads it. */
export interface Inline {
  /** `text` outside code spans, `code` for a code span. */
  kind: "text" | "code";
  /** The raw text, or the code span's content. */
  value: string;
}

/** Splits a line into text and code spans, as CommonMark finds them. */
export function inlines(line: string): Inline[] {
  const out: Inline[] = [];
  let text = "";
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (c === "\\" && i + 1 < line.length) {
      // an escaped character (a backtick too) opens nothing
      text += c + line[i + 1];
      i += 2;
      continue;
    }
    if (c !== "`") {
      text += c;
      i++;
      continue;
    }
    const run = /^`+/.exec(line.slice(i))![0];
    // the span closes at the next backtick run of exactly the same length
    let j = i + run.length;
    let close = -1;
    while (j < line.length) {
      const next = line.indexOf("`", j);
      if (next < 0) break;
      const other = /^`+/.exec(line.slice(next))![0];
      if (other.length === run.length) {
        close = next;
        break;
      }
      j = next + other.length;
    }
    if (close < 0) {
      // no closer: the run is literal text
      text += run;
      i += run.length;
      continue;
    }
    if (text) out.push({ kind: "text", value: text });
    text = "";
    let content = line.slice(i + run.length, close);
    // one space is stripped from each side when both are there and it is not all spaces
    if (/^ [\s\S]* $/.test(content) && content.trim() !== "") content = content.slice(1, -1);
    out.push({ kind: "code", value: content });
    i = close + run.length;
  }
  if (text) out.push({ kind: "text", value: text });
  return out;
}

/** The text that escaped inline text stands for: backslash escapes and character references undone. */
export function unescapeText(text: string): string {
  return text.replace(
    /\\([!-/:-@[-`{-~])|&(amp|lt|gt|quot);/g,
    (_, escaped: string | undefined, entity: string | undefined) =>
      escaped ?? { amp: "&", lt: "<", gt: ">", quot: '"' }[entity!]!,
  );
}

/** The text a whole inline string reads as: unescaped text and code span contents, joined. */
export function readInline(text: string): string {
  return inlines(text).map((p) => p.kind === "code" ? p.value : unescapeText(p.value)).join("");
}

/**
 * Characters that are markup when they stand unescaped in inline text; a
 * `_` with a letter or digit on both sides is not (CommonMark's intraword rule).
 */
const MARKUP = /[\\`*[\]!#|~<>{}$@&]|(?<![\p{L}\p{N}])_|_(?![\p{L}\p{N}])/gu;

/**
 * The markup a piece of inline text holds: its unescaped markup characters
 * in order, after backslash escapes and the references `&amp;`, `&lt;` and
 * `&gt;` (which stand for plain characters) are set aside.
 */
export function liveMarkup(text: string): string {
  // a space in their place: an escaped neighbour never makes a `_` intraword
  return text.replace(/\\[!-/:-@[-`{-~]|&(?:amp|lt|gt);/g, " ").match(MARKUP)?.join("") ?? "";
}

/**
 * What a rendering does with Markdown, line by line, leaving out what plain
 * text it shows: each line's kind, its code spans, the markup in its text
 * and, for table rows, the cell count; a fenced code block is one `code`
 * entry however many lines it holds. Two renderings of one template with
 * different plain text must have the same shape.
 */
export function markdownShape(markdown: string): string[] {
  const kinds = lineKinds(markdown);
  const shape: string[] = [];
  splitLines(markdown).forEach((line, i) => {
    const kind = kinds[i]!;
    if (kind === "code" || kind === "fence") {
      if (shape.at(-1) !== kind) shape.push(kind);
      return;
    }
    const parts = inlines(line).map((p) => p.kind === "code" ? "`code`" : liveMarkup(p.value));
    const cells = kind === "table row" ? ` ${tableCells(line).length} cells` : "";
    shape.push(`${kind}${cells}: ${parts.join(" ")}`);
  });
  return shape;
}
