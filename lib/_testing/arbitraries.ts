/**
 * Property-test generators shared by tests: strings as users' data holds
 * them, with the markup and HTML that once broke the reports; dates and
 * delimiters as real tables write them.
 * @module
 */
import fc from "fast-check";

/**
 * One code point of any plane, surrogates aside: what fast-check's
 * `unit: "binary"` draws, without the table of all 1.1 million that unit
 * builds the first time a process asks for it (1.6 s of CPU in every test
 * file that did). Use as `fc.string({ unit: binaryChar })`.
 */
export const binaryChar: fc.Arbitrary<string> = fc.integer({ min: 0, max: 0x10ffff - 0x800 })
  .map((i) => String.fromCodePoint(i < 0xd800 ? i : i + 0x800));

/** Strings from data: random text, and the markup and HTML that broke reports and cards. */
export const userText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: binaryChar, maxLength: 12 }),
  fc.string({
    unit: fc.constantFrom(..."<>&|`*_[]()#!\\\n\r \t-+.=~$@{}:\"'", "a", "é"),
    maxLength: 16,
  }),
  fc.constantFrom(
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "x\n## injected heading",
    "x\n- injected item",
    "a|b",
    "`code` and ``more``",
    "*em* _em_ **strong**",
    "[link](javascript:alert(1))",
    "![image](http://x/y.png)",
    "&lt;b&gt; &amp; &#60;",
    "<!-- comment",
    "\\",
    "```",
    " leading and trailing ",
    "#1 !2 @user ~label $x$",
    "x\n```\n<b>out of the fence</b>",
    "*em* _em_",
    "&lt;b&gt; &#60;",
    " padded ",
  ),
);

/**
 * ISO 8601 dates and date-times as tables hold them (`2024-01-31`,
 * `2024-01-31T12:00:00Z`, `2024-01-31 08:30`, `…+02:00`): what a date
 * feature accepts.
 */
export const isoDate: fc.Arbitrary<string> = fc.tuple(
  fc.date({
    min: new Date("1900-01-01T00:00:00Z"),
    max: new Date("2100-12-31T23:59:59Z"),
    noInvalidDate: true,
  }),
  fc.constantFrom("date", "utc", "minutes", "offset"),
).map(([d, form]) => {
  const iso = d.toISOString();
  if (form === "date") return iso.slice(0, 10);
  if (form === "utc") return iso.slice(0, 19) + "Z";
  if (form === "minutes") return `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
  return `${iso.slice(0, 19)}+02:00`;
});

/** Texts that look like dates but are none a date feature accepts. */
export const notDate: fc.Arbitrary<string> = fc.constantFrom(
  "2024-02-30",
  "2023-13-01",
  "2024-1-5",
  "31/01/2024",
  "2024-01-31T25:00",
  "20240131",
  "2024-01-31 noon",
);

/**
 * A field delimiter as exported tables use them: mostly `,`, sometimes `;`
 * (spreadsheets where the comma is the decimal mark) or a tab.
 */
export const delimiter: fc.Arbitrary<string> = fc.constantFrom(",", ",", ",", ";", "\t");
