/**
 * Markdown for the reports people read (`evaluation.md`, `model_card.md`):
 * numbers to a few digits, and text made safe to put in a table cell.
 * @module
 */

/** A number for a report: to 4 significant digits, without trailing zeros. */
export function fmt(n: number): string {
  return String(Number(n.toPrecision(4)));
}

/** `text` for a table cell: a `|` would end the cell. */
export function cell(text: string): string {
  return text.replace(/\|/g, "\\|");
}
