// node k8s-validate.mjs MODULES_DIR RENDERED.yaml AGENT_IMAGE APP_IMAGE
//
// Checks the rendered manifests of deploy/k8s (kubectl kustomize):
//  - every object against the Kubernetes OpenAPI schemas (npm
//    kubernetes-models 5.1.0, ajv-based; installed under MODULES_DIR by
//    scripts/fetch-assets.sh);
//  - every pod template against the Pod Security Standard its namespace
//    enforces (the namespace's pod-security.kubernetes.io/enforce label:
//    baseline or restricted; the rules that apply to a pod spec);
//  - what the deployment promises: the agent DaemonSet has readiness and
//    liveness probes on /readyz and /healthz of its metrics port, a priority
//    class, tolerations and resources; no pod outside vaccel-system uses a
//    hostPath; images are the ones deploy/oci/build-image.sh builds.
// One line per object ("valid KIND NAME" or "INVALID KIND NAME: why");
// exit 1 if any is invalid.
import { createRequire } from "module";
import { pathToFileURL } from "url";
import fs from "fs";

const [root, file, agentImage, appImage] = process.argv.slice(2);
const require = createRequire(pathToFileURL(root + "/"));
const yaml = require("js-yaml");
const model = async (group, kind) =>
  (await import(pathToFileURL(`${root}/kubernetes-models/${group}/index.js`)))[kind];

const BASELINE_CAPS = new Set(["AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER",
  "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP",
  "SETUID", "SYS_CHROOT"]);
const RESTRICTED_VOLUMES = ["configMap", "csi", "downwardAPI", "emptyDir",
  "ephemeral", "persistentVolumeClaim", "projected", "secret"];

const docs = yaml.loadAll(fs.readFileSync(file, "utf8")).filter(Boolean);
// kustomize folds a Secret's base64 at 76 columns; the API server's decoder
// skips the newlines, the schema's "byte" format does not
for (const d of docs)
  if (d.kind === "Secret")
    for (const k of Object.keys(d.data || {})) d.data[k] = d.data[k].replace(/\s/g, "");
const levels = {};
for (const d of docs)
  if (d.kind === "Namespace")
    levels[d.metadata.name] = (d.metadata.labels || {})["pod-security.kubernetes.io/enforce"];

function containersOf(spec) {
  return [...(spec.initContainers || []), ...(spec.containers || [])];
}

// Pod Security Standards, the checks a pod spec can fail.
function baseline(spec, why) {
  if (spec.hostNetwork || spec.hostPID || spec.hostIPC) why.push("host namespaces");
  for (const v of spec.volumes || []) if (v.hostPath) why.push(`hostPath volume ${v.name}`);
  const podSeccomp = spec.securityContext?.seccompProfile?.type;
  if (podSeccomp === "Unconfined") why.push("seccomp Unconfined");
  for (const c of containersOf(spec)) {
    const sc = c.securityContext || {};
    if (sc.privileged) why.push(`${c.name}: privileged`);
    for (const cap of sc.capabilities?.add || [])
      if (!BASELINE_CAPS.has(cap)) why.push(`${c.name}: capability ${cap}`);
    for (const p of c.ports || []) if (p.hostPort) why.push(`${c.name}: hostPort`);
    if (sc.seccompProfile?.type === "Unconfined") why.push(`${c.name}: seccomp Unconfined`);
  }
}

function restricted(spec, why) {
  baseline(spec, why);
  const pod = spec.securityContext || {};
  for (const v of spec.volumes || [])
    if (!RESTRICTED_VOLUMES.some((t) => t in v)) why.push(`volume ${v.name}: type not allowed`);
  for (const c of containersOf(spec)) {
    const sc = c.securityContext || {};
    if (sc.allowPrivilegeEscalation !== false) why.push(`${c.name}: allowPrivilegeEscalation not false`);
    if (!(sc.runAsNonRoot ?? pod.runAsNonRoot)) why.push(`${c.name}: runAsNonRoot not true`);
    if ((sc.runAsUser ?? pod.runAsUser) === 0) why.push(`${c.name}: runAsUser 0`);
    const sp = (sc.seccompProfile ?? pod.seccompProfile)?.type;
    if (sp !== "RuntimeDefault" && sp !== "Localhost") why.push(`${c.name}: no RuntimeDefault seccomp`);
    if (!(sc.capabilities?.drop || []).includes("ALL")) why.push(`${c.name}: capabilities not dropped`);
    for (const cap of sc.capabilities?.add || [])
      if (cap !== "NET_BIND_SERVICE") why.push(`${c.name}: capability ${cap}`);
  }
}

function probe(c, kind, path, why) {
  const p = c[kind]?.httpGet;
  if (!p || p.path !== path || p.port !== "metrics") why.push(`${c.name}: ${kind} not GET ${path} on metrics`);
}

function agentPromises(spec, why) {
  const agent = (spec.containers || []).find((c) => c.name === "agent");
  if (!agent) return why.push("no container agent");
  probe(agent, "readinessProbe", "/readyz", why);
  probe(agent, "livenessProbe", "/healthz", why);
  if (!(agent.args || []).some((a) => a.startsWith("--metrics-listen=tcp://0.0.0.0:9464")))
    why.push("agent: no --metrics-listen on port 9464");
  if (!(agent.args || []).some((a) => a.startsWith("--listen="))) why.push("agent: no --listen");
  if (!spec.priorityClassName) why.push("no priorityClassName");
  if (!(spec.tolerations || []).length) why.push("no tolerations");
  const sc = agent.securityContext || {};
  if (sc.readOnlyRootFilesystem !== true || !(sc.capabilities?.drop || []).includes("ALL"))
    why.push("agent: root file system writable or capabilities kept");
}

function podChecks(doc, why) {
  const spec = doc.spec?.template?.spec;
  if (!spec) return;
  const ns = doc.metadata.namespace;
  const level = levels[ns];
  if (level === "restricted") restricted(spec, why);
  else if (level === "baseline") baseline(spec, why);
  else if (level !== "privileged") why.push(`namespace ${ns} enforces no Pod Security level`);
  if (ns !== "vaccel-system")
    for (const v of spec.volumes || []) if (v.hostPath) why.push(`hostPath ${v.name} in ${ns}`);
  for (const c of containersOf(spec)) {
    if (c.image !== agentImage && c.image !== appImage) why.push(`${c.name}: image ${c.image} is not built here`);
    if (!c.resources?.requests || !c.resources?.limits?.memory) why.push(`${c.name}: no requests or memory limit`);
  }
  if (doc.kind === "DaemonSet" && doc.metadata.name === "vaccel-agent") agentPromises(spec, why);
}

let bad = 0;
for (const doc of docs) {
  const [group, version] = doc.apiVersion.includes("/") ? doc.apiVersion.split("/") : [null, doc.apiVersion];
  const name = `${doc.kind} ${doc.metadata.namespace ? doc.metadata.namespace + "/" : ""}${doc.metadata.name}`;
  const why = [];
  try {
    const Kind = await model(group ? `${group}/${version}` : version, doc.kind);
    if (!Kind) throw new Error(`no schema for ${doc.apiVersion} ${doc.kind}`);
    new Kind(doc).validate();
  } catch (e) {
    why.push(e.message);
  }
  podChecks(doc, why);
  if (why.length) {
    console.log(`INVALID ${name}: ${why.join("; ")}`);
    bad = 1;
  } else {
    console.log(`valid ${name}`);
  }
}
process.exit(bad);
