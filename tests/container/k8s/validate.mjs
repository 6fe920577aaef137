// node validate.mjs MODULES_DIR RENDERED.yaml: validate every object of the
// rendered manifests against the Kubernetes schemas (npm kubernetes-models
// and js-yaml installed under MODULES_DIR). One line per object; exit 1 if
// any is invalid.
import { createRequire } from "module";
import { pathToFileURL } from "url";
import fs from "fs";
const [root, file] = process.argv.slice(2);
const require = createRequire(pathToFileURL(root + "/"));
const yaml = require("js-yaml");
const mod = (p) => import(pathToFileURL(`${root}/kubernetes-models/${p}/index.js`));
const kinds = {
  "v1/Namespace": async () => (await mod("v1")).Namespace,
  "apps/v1/DaemonSet": async () => (await mod("apps/v1")).DaemonSet,
  "batch/v1/Job": async () => (await mod("batch/v1")).Job,
};
let bad = 0;
for (const doc of yaml.loadAll(fs.readFileSync(file, "utf8"))) {
  if (!doc) continue;
  const key = doc.apiVersion + "/" + doc.kind;
  const name = key + " " + doc.metadata.name;
  if (!kinds[key]) {
    console.log("no schema here for " + name);
    bad = 1;
    continue;
  }
  try {
    const Kind = await kinds[key]();
    new Kind(doc).validate();
    console.log("valid " + name);
  } catch (e) {
    console.log("INVALID " + name + ": " + e.message);
    bad = 1;
  }
}
process.exit(bad);
