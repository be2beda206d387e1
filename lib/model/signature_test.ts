import { assertEquals } from "../_testing/assert.ts";
import { type Signature, signatureChanges } from "./signature.ts";

const penguins: Signature = {
  target: "species",
  classes: ['"Adelie"', '"Chinstrap"', '"Gentoo"'],
  features: [
    { name: "island", type: "categorical" },
    { name: "bill_length_mm", type: "numeric" },
    { name: "body_mass_g", type: "numeric" },
  ],
};

Deno.test("signatureChanges() finds nothing between a signature and a reordered copy", () => {
  assertEquals(
    signatureChanges(penguins, { ...penguins, features: [...penguins.features].reverse() }),
    [],
  );
});

Deno.test("signatureChanges() names the target, classes and each feature added, removed or retyped", () => {
  const toy: Signature = {
    target: "label",
    classes: ["0", "1"],
    features: [
      { name: "f1", type: "numeric" },
      { name: "island", type: "numeric" },
      { name: "body_mass_g", type: "numeric" },
    ],
  };
  assertEquals(signatureChanges(penguins, toy), [
    'target "species" → "label"',
    'classes ["Adelie", "Chinstrap", "Gentoo"] → [0, 1]',
    'features added: "f1"',
    'features removed: "bill_length_mm"',
    'features retyped: "island" categorical → numeric',
  ]);
  assertEquals(signatureChanges(penguins, { ...penguins, target: "kind" }, { target: false }), []);
});

Deno.test("signatureChanges() tells numeric labels from the same digits as strings", () => {
  assertEquals(
    signatureChanges({ ...penguins, classes: ["0", "1"] }, {
      ...penguins,
      classes: ['"0"', '"1"'],
    }),
    ['classes [0, 1] → ["0", "1"]'],
  );
});

Deno.test("signatureChanges() keeps a long list of features to one short line", () => {
  const many = Array.from({ length: 30 }, (_, i) => ({ name: `x${i}`, type: "numeric" as const }));
  const [line] = signatureChanges({ ...penguins, features: [] }, { ...penguins, features: many });
  assertEquals(line, 'features added: "x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7", … 22 more');
});
