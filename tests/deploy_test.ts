// deploy/: every manifest validated against Kubernetes' own schemas
// (kubernetes-models), the overlays rendered offline by `kubectl kustomize`,
// and the serving contract checked against the Dockerfile and the pipeline.
import { load, loadAll } from "js-yaml";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { Service } from "kubernetes-models/v1/Service";
import { join } from "node:path";
import {
  assert,
  assertEquals,
  assertGreaterOrEqual,
  assertThrows,
} from "../lib/_testing/assert.ts";
import { last, parseDockerfile } from "./_dockerfile.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const OVERLAYS = ["review", "production"];

// deno-lint-ignore no-explicit-any
type Manifest = Record<string, any>;
type Model = { validate(): void };
const MODELS: Record<string, (m: Manifest) => Model> = {
  "apps/v1/Deployment": (m) => new Deployment(m),
  "v1/Service": (m) => new Service(m),
  "autoscaling/v2/HorizontalPodAutoscaler": (m) =>
    new HorizontalPodAutoscaler(m as ConstructorParameters<typeof HorizontalPodAutoscaler>[0]),
  "policy/v1/PodDisruptionBudget": (m) => new PodDisruptionBudget(m),
};

/** Validates `manifest` with its kubernetes-models class; throws on an unknown kind. */
function validate(manifest: Manifest): void {
  const key = `${manifest.apiVersion}/${manifest.kind}`;
  const model = MODELS[key];
  if (!model) throw new Error(`No schema for ${key}: add its kubernetes-models class`);
  model(manifest).validate();
}

// overlays use kustomize v4+ fields (labels, patches); older kubectl builds lack them
const kustomize = await new Deno.Command("kubectl", { args: ["version", "--client"] }).output()
  .then(
    (o) => /Kustomize Version: v(\d+)/.exec(new TextDecoder().decode(o.stdout))?.[1],
    () => null,
  );
const kubectl = Number(kustomize) >= 4;
const noKubectl = kubectl
  ? ""
  : kustomize === null
  ? " (skipped: kubectl not found; install kubectl 1.21+ for `kubectl kustomize`)"
  : ` (skipped: kubectl embeds kustomize v${kustomize}; these overlays need v4+)`;

/**
 * The most resident memory measured under hostile 1 MiB bodies, 64 at a time
 * for minutes (docs/http-api.md#limits, `bench/body_memory.ts`), with room
 * to spare: a pod's memory limit must be above it.
 */
const WORST_CASE_RSS = 320 * 2 ** 20;

/** A Kubernetes memory quantity (`384Mi`, `1Gi`, `500M`) in bytes. */
function bytesOf(quantity: string): number {
  const m = /^(\d+)(Ki|Mi|Gi|K|M|G)?$/.exec(quantity);
  if (!m) throw new Error(`Cannot read the memory quantity "${quantity}"`);
  const unit = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, K: 1e3, M: 1e6, G: 1e9 }[m[2] ?? ""] ?? 1;
  return Number(m[1]) * unit;
}

async function render(dir: string): Promise<Manifest[]> {
  const out = await new Deno.Command("kubectl", { args: ["kustomize", dir] }).output();
  const text = new TextDecoder().decode(out.success ? out.stdout : out.stderr);
  if (!out.success) throw new Error(`Cannot render ${dir}: ${text}`);
  return loadAll(text) as Manifest[];
}

function byKind(manifests: Manifest[], kind: string): Manifest {
  const found = manifests.filter((m) => m.kind === kind);
  assertEquals(found.length, 1, `one ${kind}`);
  return found[0]!;
}

Deno.test("every base manifest is valid against Kubernetes' schemas", async () => {
  const dir = join(ROOT, "deploy/base");
  const kustomization = load(await Deno.readTextFile(join(dir, "kustomization.yaml"))) as Manifest;
  const kinds: string[] = [];
  for (const file of kustomization.resources as string[]) {
    for (const manifest of loadAll(await Deno.readTextFile(join(dir, file))) as Manifest[]) {
      validate(manifest);
      kinds.push(manifest.kind);
    }
  }
  assertEquals(kinds.sort(), [
    "Deployment",
    "HorizontalPodAutoscaler",
    "PodDisruptionBudget",
    "Service",
  ]);
});

Deno.test("validation catches a manifest Kubernetes would refuse", () => {
  const deployment = loadAll(
    Deno.readTextFileSync(join(ROOT, "deploy/base/deployment.yaml")),
  )[0] as Manifest;
  deployment.spec.replicas = "two";
  assertThrows(() => validate(deployment), Error, "data/spec/replicas must be integer");
  assertThrows(() => validate({ apiVersion: "v1", kind: "Pod" }), Error, "No schema for v1/Pod");
});

for (const overlay of OVERLAYS) {
  Deno.test({
    name: `overlay ${overlay} renders, validates and keeps the serving contract${noKubectl}`,
    ignore: !kubectl,
    fn: async () => {
      const manifests = await render(join(ROOT, "deploy/overlays", overlay));
      manifests.forEach(validate);
      const deployment = byKind(manifests, "Deployment");
      const service = byKind(manifests, "Service");
      const hpa = byKind(manifests, "HorizontalPodAutoscaler");
      const pdb = byKind(manifests, "PodDisruptionBudget");
      const pod = deployment.spec.template;
      const container = pod.spec.containers[0];
      const podLabels: Record<string, string> = pod.metadata.labels;

      // the image's own facts, from the Dockerfile
      const runtime = parseDockerfile(await Deno.readTextFile(join(ROOT, "Dockerfile"))).at(-1)!;
      const port = Number(last(runtime, "EXPOSE")?.args);
      const uid = Number(last(runtime, "USER")?.args.split(":")[0]);

      assertGreaterOrEqual(deployment.spec.replicas, 2);
      assertEquals(container.image, `mvd:${overlay}`);
      assertEquals(container.ports, [{ name: "http", containerPort: port, protocol: "TCP" }]);
      const env = Object.fromEntries(
        (container.env as Manifest[]).map((e) => [e.name, e.value as string]),
      );
      assertEquals(Number(env.PORT), port);
      assert(container.resources.requests.cpu && container.resources.requests.memory);
      assertGreaterOrEqual(
        bytesOf(container.resources.limits.memory),
        WORST_CASE_RSS,
        "the memory limit is above the server's measured worst case",
      );
      assertEquals(container.readinessProbe.httpGet, { path: "/readyz", port: "http" });
      assertEquals(container.livenessProbe.httpGet, { path: "/healthz", port: "http" });

      // SIGTERM comes after preStop; the server then drains for SHUTDOWN_TIMEOUT
      const preStop = container.lifecycle.preStop.sleep.seconds;
      assertGreaterOrEqual(preStop, 1);
      assertGreaterOrEqual(
        pod.spec.terminationGracePeriodSeconds,
        preStop + Number(env.SHUTDOWN_TIMEOUT) + 1,
      );

      assertEquals(pod.spec.securityContext.runAsNonRoot, true);
      assertEquals(pod.spec.securityContext.runAsUser, uid);
      assertEquals(pod.spec.securityContext.seccompProfile, { type: "RuntimeDefault" });
      assertEquals(container.securityContext, {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
      });
      assertEquals(pod.metadata.annotations, {
        "prometheus.io/scrape": "true",
        "prometheus.io/port": String(port),
        "prometheus.io/path": "/metrics",
      });

      const selects = (selector: Record<string, string>) =>
        Object.entries(selector).every(([k, v]) => podLabels[k] === v);
      assert(selects(service.spec.selector), "the Service selects the pods");
      assertEquals(service.spec.ports[0].targetPort, "http");
      assert(selects(pdb.spec.selector.matchLabels), "the PDB selects the pods");
      assert(
        pdb.spec.minAvailable < deployment.spec.replicas,
        "the PDB leaves room to drain a node",
      );
      assertEquals(hpa.spec.scaleTargetRef, {
        apiVersion: "apps/v1",
        kind: "Deployment",
        name: deployment.metadata.name,
      });
      assertEquals(hpa.spec.minReplicas, deployment.spec.replicas);
    },
  });
}

Deno.test({
  name: `the pipeline's deploy job renders an overlay with the commit's image${noKubectl}`,
  ignore: !kubectl,
  fn: async () => {
    // the kustomization the .deploy job writes, read from .gitlab-ci.yml itself
    const pipeline = load(await Deno.readTextFile(join(ROOT, ".gitlab-ci.yml"))) as Manifest;
    const step = (pipeline[".deploy"].script as string[]).find((s) => s.includes("<<EOF"))!;
    assert(step, "the .deploy job writes its kustomization with a heredoc");
    const vars: Record<string, string> = {
      NAMESPACE: "mvd-review-my-branch",
      OVERLAY: "review",
      IMAGE_NAME: "registry.example.com/group/mvd/mvd",
      CI_COMMIT_SHORT_SHA: "0123abcd",
    };
    const body = step.split("\n").slice(1, -2).join("\n").replaceAll(
      /\$(\w+)/g,
      (_, name: string) => vars[name] ?? `$${name}`,
    );
    assertEquals(body.includes("$"), false, body);
    const dir = await Deno.makeTempDir({ prefix: "mvd-deploy-" });
    try {
      await Deno.symlink(join(ROOT, "deploy"), join(dir, "deploy"));
      await Deno.mkdir(join(dir, ".deploy"));
      await Deno.writeTextFile(join(dir, ".deploy/kustomization.yaml"), body);
      const manifests = await render(join(dir, ".deploy"));
      manifests.forEach(validate);
      const container = byKind(manifests, "Deployment").spec.template.spec.containers[0];
      assertEquals(container.image, "registry.example.com/group/mvd/mvd:0123abcd");
      assertEquals([...new Set(manifests.map((m) => m.metadata.namespace))], [vars.NAMESPACE]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
