import fc from "fast-check";
import { binaryChar } from "../_testing/arbitraries.ts";
import { assert, assertEquals } from "../_testing/assert.ts";
import {
  inlines,
  lineKind,
  lineKinds,
  liveMarkup,
  oneLine,
  readInline,
  splitLines,
} from "../_testing/markdown_reader.ts";
import { fmt, mdCode, mdCodeBlock, mdText } from "./markdown.ts";

/** Random text, heavy in the characters Markdown and HTML care about. */
const text = fc.oneof(
  fc.string({ unit: binaryChar }),
  fc.string({ unit: fc.constantFrom(..."<>&|`*_[]()#!\\\n\r \t-+.=~$@{}:\"'", "a", "é") }),
);

Deno.test("fmt() gives 4 significant digits without trailing zeros", () => {
  assertEquals([fmt(0.123456), fmt(1), fmt(12345.6), fmt(0.5)], ["0.1235", "1", "12350", "0.5"]);
});

Deno.test("mdText() escapes HTML and markup and flattens lines", () => {
  assertEquals(mdText("<script>alert(1)</script>"), "&lt;script&gt;alert(1)&lt;/script&gt;");
  assertEquals(mdText('"><img src=x onerror=alert(1)>'), '"&gt;&lt;img src=x onerror=alert(1)&gt;');
  assertEquals(mdText("a|b"), "a\\|b");
  assertEquals(mdText("x\n## y"), "x \\#\\# y");
  assertEquals(mdText("_a_ a_b __c"), "\\_a\\_ a_b \\_\\_c");
  assertEquals(
    mdText("*a* _b_ `c` [d](e) ![f](g) ~~h~~ \\ &amp;"),
    "\\*a\\* \\_b\\_ \\`c\\` \\[d\\](e) \\!\\[f\\](g) \\~\\~h\\~\\~ \\\\ &amp;amp;",
  );
  // what would open a block at the start of a line, or after a list item's "- "
  assertEquals(
    ["--", "- x", "+ x", " 1. x", "2) x", "- - -", "==", "-"].map(mdText),
    ["\\--", "\\- x", "\\+ x", " 1\\. x", "2\\) x", "\\- - -", "\\==", "\\-"],
  );
  assertEquals(["-2", "1.5", "-x", "a -- b", "=x"].map(mdText), [
    "-2",
    "1.5",
    "-x",
    "a -- b",
    "=x",
  ]);
  // paths, times, words and numbers stay as they are
  const plain = "data/iris.csv 2026-01-01T00:00:00.000Z setosa -2 1.5 sepal_length_cm";
  assertEquals(mdText(plain), plain);
});

Deno.test("mdText() output reads back as the text, one line, with no markup of its own", () => {
  fc.assert(
    fc.property(text, (s) => {
      const md = mdText(s);
      assertEquals(readInline(md), oneLine(s));
      assertEquals(liveMarkup(md), "");
      assertEquals(/[\r\n]/.test(md), false);
      // it opens no block: as a list item's text it stays that item's text
      assertEquals(lineKind(`- ${md}`), "list item", md);
      assert(["text", "blank"].includes(lineKind(md.trimStart())), md);
    }),
    { numRuns: 1000 },
  );
});

Deno.test("mdCode() fences any text as one code span that shows it exactly", () => {
  assertEquals(mdCode("data/iris.csv"), "`data/iris.csv`");
  assertEquals(mdCode("a`b"), "``a`b``");
  assertEquals(mdCode("`a``"), "``` `a`` ```");
  assertEquals(mdCode(" a "), "`  a  `");
  assertEquals(mdCode("<b>\n# c"), "`<b> # c`");
  fc.assert(
    fc.property(text.filter((s) => s !== ""), (s) => {
      // a span inside a line of text, as the reports use it
      assertEquals(inlines(`- File: ${mdCode(s)}, 3 rows`), [
        { kind: "text", value: "- File: " },
        { kind: "code", value: oneLine(s) },
        { kind: "text", value: ", 3 rows" },
      ]);
    }),
    { numRuns: 1000 },
  );
});

Deno.test("mdCodeBlock() holds any text: no line of it closes the block", () => {
  assertEquals(mdCodeBlock("echo hi", "sh"), "```sh\necho hi\n```");
  assertEquals(mdCodeBlock("a\n````\nb"), "`````\na\n````\nb\n`````");
  fc.assert(
    fc.property(text, (s) => {
      const md = `intro\n${mdCodeBlock(s, "sh")}\nafter`;
      // the block's lines: the text's, ended by the newline before the closing fence
      const code = splitLines(`${s}\n`).slice(1).map(() => "code");
      assertEquals(lineKinds(md), ["text", "fence", ...code, "fence", "text"]);
      assertEquals(md.slice(md.indexOf("\n", 6) + 1, md.lastIndexOf("\n", md.length - 7)), s);
    }),
    { numRuns: 1000 },
  );
});
