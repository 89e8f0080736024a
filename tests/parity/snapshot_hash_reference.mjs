// An independent JavaScript implementation of the dossier snapshot hash
// (docs/dossier-parity.md), used to compute and to re-check the bundled hash vectors.
//
//   node snapshot_hash_reference.mjs check FILE...   exit 1 when a vector disagrees
//   node snapshot_hash_reference.mjs write FILE...   fill in "projection" and "snapshot_hash"
//
// It shares no code with the Python package: JCS is JSON.stringify for strings plus sorted
// keys (the projection holds no numbers), and strings compare by UTF-16 code units as the
// formula requires, which is JavaScript's own string order.
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";

const FORMAT = "spec-kitty-dossier-snapshot/1";
const NAMESPACE_FIELDS = [
  "project_uuid",
  "feature_slug",
  "target_branch",
  "mission_key",
  "manifest_version",
];

function jcs(value) {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(jcs).join(",")}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${jcs(value[k])}`).join(",")}}`;
}

function compareTuples(a, b) {
  for (let i = 0; i < a.length; i += 1) {
    if (a[i] < b[i]) return -1;
    if (a[i] > b[i]) return 1;
  }
  return 0;
}

function projection(state) {
  const ns = state.namespace;
  const namespace =
    ns === null ? null : Object.fromEntries(NAMESPACE_FIELDS.map((f) => [f, ns[f]]));
  const artifacts = Object.keys(state.artifacts)
    .sort()
    .map((path) => {
      const entry = state.artifacts[path];
      return {
        path,
        artifact_class: entry.identity.artifact_class,
        content_hash: entry.content_ref.hash,
        algorithm: entry.content_ref.algorithm,
        superseded: entry.superseded,
      };
    });
  const distinct = new Map();
  for (const a of state.anomalies) {
    const key = [
      a.anomaly_type,
      a.expected_identity.path,
      a.expected_identity.artifact_class,
      a.manifest_step,
    ];
    distinct.set(JSON.stringify(key), key);
  }
  const anomalies = [...distinct.values()].sort(compareTuples).map((k) => ({
    anomaly_type: k[0],
    path: k[1],
    artifact_class: k[2],
    manifest_step: k[3],
  }));
  return { format: FORMAT, namespace, artifacts, anomalies };
}

function snapshotHash(state) {
  return createHash("sha256").update(jcs(projection(state)), "utf8").digest("hex");
}

const [mode, ...files] = process.argv.slice(2);
let failures = 0;
for (const file of files) {
  const vector = JSON.parse(readFileSync(file, "utf8"));
  const expected = { projection: projection(vector.state), snapshot_hash: snapshotHash(vector.state) };
  if (mode === "write") {
    const out = { state: vector.state, ...expected };
    writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`, "utf8");
  } else if (
    jcs(vector.projection) !== jcs(expected.projection) ||
    vector.snapshot_hash !== expected.snapshot_hash
  ) {
    failures += 1;
    console.log(`${file}: file has ${vector.snapshot_hash}, JavaScript computes ${expected.snapshot_hash}`);
  }
}
process.exit(failures ? 1 : 0);
