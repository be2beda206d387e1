/**
 * Property-test generators shared by tests: strings as users' data holds
 * them, with the markup and HTML that once broke the reports.
 * @module
 */
import fc from "fast-check";

/** Strings from data: random text, and the markup and HTML that broke reports and cards. */
export const userText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: "binary", maxLength: 12 }),
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
