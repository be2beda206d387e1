import { DOMParser } from "@xmldom/xmldom";
import fc from "fast-check";
import { binaryChar } from "../_testing/arbitraries.ts";
import { assertEquals } from "../_testing/assert.ts";
import { confusionSvg, escapeXml } from "./svg.ts";

/** Parses `text` as XML, failing on any error or warning. */
function parseXml(text: string) {
  return new DOMParser({
    onError: (level, message) => {
      throw new Error(`${level}: ${message}`);
    },
  }).parseFromString(text, "image/svg+xml");
}

Deno.test("confusionSvg() is well-formed SVG with one cell per pair and every label", () => {
  const labels = ["setosa", "versicolor", "virginica"];
  const doc = parseXml(confusionSvg([[5, 0, 0], [0, 4, 1], [0, 2, 3]], labels));
  const svg = doc.documentElement!;
  assertEquals(svg.tagName, "svg");
  assertEquals(svg.getAttribute("xmlns"), "http://www.w3.org/2000/svg");
  const rects = Array.from(svg.getElementsByTagName("rect"));
  const cells = rects.filter((r) => r.getAttribute("class") === "cell");
  assertEquals(
    cells.map((c) =>
      [c.getAttribute("data-true"), c.getAttribute("data-predicted"), c.getAttribute("data-count")]
        .join(",")
    ),
    ["0,0,5", "0,1,0", "0,2,0", "1,0,0", "1,1,4", "1,2,1", "2,0,0", "2,1,2", "2,2,3"],
  );
  const texts = Array.from(svg.getElementsByTagName("text"));
  const byClass = (name: string) =>
    texts.filter((t) => t.getAttribute("class") === name).map((t) => t.textContent);
  assertEquals(byClass("label-true"), labels);
  assertEquals(byClass("label-predicted"), labels);
  // white mixed towards blue (33,102,172) for right, red (178,24,43) for wrong,
  // by the cell's share of its row: 4/5 → 255 + (33 - 255)·0.8 = 77.4 …
  assertEquals(cells[4]!.getAttribute("fill"), "rgb(77,133,189)");
  assertEquals(cells[5]!.getAttribute("fill"), "rgb(240,209,213)");
});

Deno.test("confusionSvg() escapes labels and survives an empty row", () => {
  const doc = parseXml(confusionSvg([[0, 0], [1, 1]], ['<a & "b">', "x"]));
  const labels = Array.from(doc.documentElement!.getElementsByTagName("text"))
    .filter((t) => t.getAttribute("class") === "label-true")
    .map((t) => t.textContent);
  assertEquals(labels, ['<a & "b">', "x"]);
  assertEquals(escapeXml(`<'&">`), "&#60;&#39;&#38;&#34;&#62;");
});

/** Characters XML 1.0 does not allow in a document. */
const NOT_XML =
  // deno-lint-ignore no-control-regex -- control characters are what it finds
  /[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

Deno.test("confusionSvg() stays well-formed XML for any labels, showing each as text", () => {
  const label = fc.oneof(
    fc.string({ unit: binaryChar, maxLength: 16 }),
    fc.constantFrom("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "]]>", "&amp;"),
  );
  fc.assert(
    fc.property(fc.uniqueArray(label, { minLength: 2, maxLength: 4 }), (labels) => {
      const n = labels.length;
      const svg = confusionSvg(labels.map(() => Array(n).fill(1)), labels);
      // XML 1.0 allows no other control characters, escaped or not, nor lone surrogates
      assertEquals(svg.match(NOT_XML)?.map((c) => c.codePointAt(0)) ?? [], []);
      assertEquals(/&#(?:[0-8]|1[124-9]|2\d|3[01]);/.test(svg), false);
      const doc = parseXml(svg);
      const texts = Array.from(doc.documentElement!.getElementsByTagName("text"));
      // no element but the picture's own: no script, image or foreign object
      const names = new Set(
        Array.from(doc.documentElement!.getElementsByTagName("*")).map((e) => e.tagName),
      );
      assertEquals([...names].sort(), ["rect", "text", "title"]);
      assertEquals(
        texts.filter((t) => t.getAttribute("class") === "label-true").length,
        n,
      );
    }),
    { numRuns: 200 },
  );
});
