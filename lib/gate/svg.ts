/**
 * The confusion matrix as a standalone SVG picture, for `evaluation.md`.
 * @module
 */

const CELL = 80;
const LABEL_WIDTH = 120;
const TOP = 72;

/**
 * Renders `confusion[true][predicted]` as a grid of cells shaded by each
 * cell's share of its true class (its row), with the count and that share
 * written in each cell and the class labels along both axes.
 */
export function confusionSvg(confusion: number[][], labels: readonly string[]): string {
  const n = labels.length;
  const width = Math.max(LABEL_WIDTH + n * CELL + 24, 380);
  const height = TOP + n * CELL + 64;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="13">`,
    `<title>Confusion matrix (rows: true class, columns: predicted class)</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${
      LABEL_WIDTH + (n * CELL) / 2
    }" y="20" text-anchor="middle" font-weight="bold">predicted</text>`,
    `<text x="16" y="${
      TOP + (n * CELL) / 2
    }" text-anchor="middle" font-weight="bold" transform="rotate(-90 16 ${
      TOP + (n * CELL) / 2
    })">true</text>`,
  );
  labels.forEach((label, k) => {
    const cx = LABEL_WIDTH + k * CELL + CELL / 2;
    parts.push(
      `<text class="label-predicted" x="${cx}" y="${TOP - 10}" text-anchor="middle">${
        escapeXml(clip(label))
      }</text>`,
      `<text class="label-true" x="${LABEL_WIDTH - 8}" y="${
        TOP + k * CELL + CELL / 2 + 5
      }" text-anchor="end">${escapeXml(clip(label))}</text>`,
    );
  });
  confusion.forEach((row, t) => {
    const total = row.reduce((a, b) => a + b, 0);
    row.forEach((count, p) => {
      const share = total === 0 ? 0 : count / total;
      const x = LABEL_WIDTH + p * CELL;
      const y = TOP + t * CELL;
      const dark = share > 0.5;
      parts.push(
        `<rect class="cell" data-true="${t}" data-predicted="${p}" data-count="${count}" x="${x}" y="${y}" width="${CELL}" height="${CELL}" fill="${
          shade(share, t === p)
        }" stroke="#ffffff" stroke-width="2"/>`,
        `<text x="${x + CELL / 2}" y="${y + CELL / 2}" text-anchor="middle" fill="${
          dark ? "#ffffff" : "#1a1a1a"
        }" font-size="16">${count}</text>`,
        `<text x="${x + CELL / 2}" y="${y + CELL / 2 + 18}" text-anchor="middle" fill="${
          dark ? "#ffffff" : "#555555"
        }" font-size="11">${(share * 100).toFixed(0)}%</text>`,
      );
    });
  });
  parts.push(
    `<text x="${LABEL_WIDTH}" y="${
      TOP + n * CELL + 28
    }" font-size="11" fill="#555555">rows: true class; columns: predicted class</text>`,
    `<text x="${LABEL_WIDTH}" y="${
      TOP + n * CELL + 44
    }" font-size="11" fill="#555555">shade: share of the row; blue right, red wrong</text>`,
    "</svg>",
  );
  return parts.join("\n") + "\n";
}

/**
 * Escapes text for XML content and attribute values. Characters XML 1.0
 * allows nowhere (control characters, lone surrogates: a label can hold
 * them) become spaces, as in the Markdown reports, so that one label cannot
 * leave the picture unreadable.
 */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`).replace(NOT_XML, " ");
}

const NOT_XML =
  // deno-lint-ignore no-control-regex -- control characters are what it finds
  /[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function shade(share: number, diagonal: boolean): string {
  // mix white towards blue (right) or red (wrong) by the share
  const [r, g, b] = diagonal ? [33, 102, 172] : [178, 24, 43];
  const mix = (c: number) => Math.round(255 + (c - 255) * share);
  return `rgb(${mix(r)},${mix(g)},${mix(b)})`;
}

function clip(label: string): string {
  return label.length > 12 ? `${label.slice(0, 11)}…` : label;
}
