// Checks on the rendered chart (tests/chart/run-check.sh calls this; one subcommand per check).
// Each subcommand prints what it checked and exits 1 with one line per problem.
import { readFileSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import { parseAllDocuments } from "yaml";
import { readConfigKeys } from "./config_keys.mjs";

const problems = [];
const expect = (condition, message) => {
  if (!condition) problems.push(message);
  return condition;
};
const finish = (what) => {
  if (problems.length) {
    for (const problem of problems) console.log(`FAIL: ${problem}`);
    console.log(`${what}: ${problems.length} problem(s)`);
    process.exit(1);
  }
  console.log(`${what}: OK`);
};

function documents(file) {
  const out = [];
  for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
    if (doc.errors.length) throw new Error(`${file}: YAML error: ${doc.errors[0].message}`);
    const object = doc.toJS();
    if (object) out.push(object);
  }
  return out;
}
const find = (docs, kind, name) => docs.find((d) => d.kind === kind && d.metadata?.name === name);
const isHook = (doc) => Boolean(doc.metadata?.annotations?.["helm.sh/hook"]);
const configOf = (configMap) => JSON.parse(configMap.data["config.json"]);

// Every container of a pod spec, init containers first, in order.
const containersOf = (podSpec) => [...(podSpec.initContainers ?? []), ...(podSpec.containers ?? [])];

const STANDARD_LABELS = ["app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/managed-by",
                         "app.kubernetes.io/version", "app.kubernetes.io/component", "helm.sh/chart"];
function checkLabels(where, labels, component) {
  for (const label of STANDARD_LABELS) expect(labels?.[label], `${where}: label ${label} missing`);
  expect(labels?.["app.kubernetes.io/component"] === component,
         `${where}: app.kubernetes.io/component is ${labels?.["app.kubernetes.io/component"]}, expected ${component}`);
}

function checkContainer(where, container, podSpec, runIdExpected) {
  const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e]));
  if (runIdExpected) {
    expect(env.IDEXX_SYNC_RUN_ID?.valueFrom?.fieldRef?.fieldPath === "metadata.labels['batch.kubernetes.io/job-name']",
           `${where}: IDEXX_SYNC_RUN_ID must come from fieldRef metadata.labels['batch.kubernetes.io/job-name']`);
  }
  expect(env.IDEXX_SYNC_CONFIG?.value === "/etc/idexx-sync/config.json",
         `${where}: IDEXX_SYNC_CONFIG must be /etc/idexx-sync/config.json`);
  const sc = container.securityContext ?? {};
  expect(sc.readOnlyRootFilesystem === true, `${where}: readOnlyRootFilesystem must be true`);
  expect(sc.runAsNonRoot === true || podSpec.securityContext?.runAsNonRoot === true, `${where}: runAsNonRoot must be true`);
  expect(sc.allowPrivilegeEscalation === false, `${where}: allowPrivilegeEscalation must be false`);
  expect(JSON.stringify(sc.capabilities?.drop) === '["ALL"]', `${where}: capabilities must drop ALL`);
  expect(container.resources?.requests && container.resources?.limits, `${where}: resources requests and limits`);
  const mounts = container.volumeMounts ?? [];
  expect(mounts.some((m) => m.mountPath === "/etc/idexx-sync" && m.readOnly === true),
         `${where}: the config volume must be mounted read-only at /etc/idexx-sync`);
  for (const mount of mounts) {
    const volume = podSpec.volumes?.find((v) => v.name === mount.name);
    if (!expect(volume, `${where}: mount ${mount.name} has no volume`)) continue;
    if (volume.secret) expect(mount.readOnly === true, `${where}: Secret volume ${mount.name} must be mounted readOnly`);
  }
}

// Every *_file key and credential_keys.directory of the configuration must lie under a mount of at least
// one container, and that mount's volume must be a Secret.
function checkSecretPathsMounted(where, config, podSpec) {
  const paths = [];
  for (const [section, keys] of Object.entries(config)) {
    for (const [key, value] of Object.entries(keys)) {
      if ((key.endsWith("_file") || `${section}.${key}` === "credential_keys.directory") && value) {
        paths.push([`${section}.${key}`, value]);
      }
    }
  }
  for (const [key, path] of paths) {
    const mounted = containersOf(podSpec).some((c) => (c.volumeMounts ?? []).some((m) =>
      (path === m.mountPath || path.startsWith(`${m.mountPath}/`)) &&
      podSpec.volumes?.find((v) => v.name === m.name)?.secret));
    expect(mounted, `${where}: ${key} = ${path} is not under any container's Secret mount`);
  }
}

const commands = {
  // structure <release> <rendered.yaml> <workers>: the CronJob chain, the ConfigMap and the migration hook.
  structure([release, file, workersText]) {
    const workers = Number(workersText);
    const docs = documents(file);
    const fullname = `${release}-idexx-sync`;
    const cronjob = find(docs, "CronJob", fullname.slice(0, 52).replace(/-+$/, ""));
    if (!expect(cronjob, `no CronJob named ${fullname}`)) return finish("structure");
    const spec = cronjob.spec;
    expect(spec.schedule === "0 */4 * * *", `schedule is ${spec.schedule}`);
    expect(spec.timeZone === "Etc/UTC", `timeZone is ${spec.timeZone}`);
    expect(spec.concurrencyPolicy === "Forbid", `concurrencyPolicy is ${spec.concurrencyPolicy}`);
    expect(Number.isInteger(spec.startingDeadlineSeconds) && spec.startingDeadlineSeconds >= 10 &&
           spec.startingDeadlineSeconds < 14400, `startingDeadlineSeconds is ${spec.startingDeadlineSeconds}`);
    expect(spec.successfulJobsHistoryLimit === 3 && spec.failedJobsHistoryLimit === 3, "history limits must be 3/3");
    checkLabels("CronJob.metadata", cronjob.metadata.labels, "sync");
    checkLabels("jobTemplate.metadata", spec.jobTemplate.metadata?.labels, "sync");
    const job = spec.jobTemplate.spec;
    checkLabels("jobTemplate.spec.template.metadata", job.template.metadata?.labels, "sync");
    expect(job.completionMode === "Indexed", `completionMode is ${job.completionMode}`);
    expect(job.parallelism === workers && job.completions === workers,
           `parallelism ${job.parallelism} and completions ${job.completions} must both be workers = ${workers}`);
    expect(Number.isInteger(job.activeDeadlineSeconds) && job.activeDeadlineSeconds < 14400,
           `jobTemplate activeDeadlineSeconds ${job.activeDeadlineSeconds} must be set and < 14400`);
    expect(Number.isInteger(job.ttlSecondsAfterFinished) && job.ttlSecondsAfterFinished > 0, "ttlSecondsAfterFinished must be set");
    expect(Number.isInteger(job.backoffLimit) && job.backoffLimit >= workers,
           `backoffLimit ${job.backoffLimit} must be sized to the workers (>= ${workers})`);
    const rules = job.podFailurePolicy?.rules ?? [];
    expect(rules.some((r) => r.action === "FailJob" && r.onExitCodes?.operator === "In" &&
                             JSON.stringify(r.onExitCodes.values) === "[64,78]"),
           "podFailurePolicy must FailJob on exit codes In [64, 78]");
    expect(rules.some((r) => r.action === "Ignore" && r.onPodConditions?.some((c) => c.type === "DisruptionTarget")),
           "podFailurePolicy must Ignore DisruptionTarget");
    expect(rules.at(-1)?.action === "Count", "podFailurePolicy must end with Count");
    const pod = job.template.spec;
    expect(pod.restartPolicy === "Never", `restartPolicy is ${pod.restartPolicy}`);
    const chain = (pod.initContainers ?? []).map((c) => [c.name, basename(c.command?.[0] ?? "")]);
    expect(JSON.stringify(chain) === JSON.stringify([["extract", "idexx-sync-extract"],
                                                     ["reconcile", "idexx-sync-reconcile"],
                                                     ["schedule", "idexx-sync-schedule"]]),
           `init containers must be extract, reconcile, schedule running their binaries; got ${JSON.stringify(chain)}`);
    const main = (pod.containers ?? []).map((c) => [c.name, basename(c.command?.[0] ?? "")]);
    expect(JSON.stringify(main) === JSON.stringify([["audit", "idexx-sync-audit"]]),
           `the one main container must be audit running idexx-sync-audit; got ${JSON.stringify(main)}`);
    const images = new Set(containersOf(pod).map((c) => c.image));
    expect(images.size === 1, `all containers must run one image; got ${[...images].join(", ")}`);
    for (const container of containersOf(pod)) checkContainer(`CronJob container ${container.name}`, container, pod, true);

    const configMap = find(docs, "ConfigMap", `${fullname}-config`);
    if (expect(configMap && !isHook(configMap), `no ordinary ConfigMap ${fullname}-config`)) {
      expect(pod.volumes?.find((v) => v.name === "config")?.configMap?.name === configMap.metadata.name,
             "the CronJob's config volume must be the ConfigMap");
      const config = configOf(configMap);
      expect(config.run?.cronjob_name === cronjob.metadata.name,
             `run.cronjob_name ${config.run?.cronjob_name} must be the CronJob's name ${cronjob.metadata.name}`);
      expect(config.database?.uri_file === "/var/run/secrets/idexx-sync/database/uri", "database.uri_file");
      expect(config.credential_keys?.directory === "/var/run/secrets/idexx-sync/credential-keys", "credential_keys.directory");
      expect(config.qstash?.token_file === "/var/run/secrets/idexx-sync/qstash/token", "qstash.token_file");
      expect(config.vapi?.private_key_file === "/var/run/secrets/idexx-sync/vapi/private-key", "vapi.private_key_file");
      checkSecretPathsMounted("CronJob", config, pod);
    }

    // The migration hook: its own hook ConfigMap (a pre-install hook runs before ordinary resources exist).
    const migrate = find(docs, "Job", `${fullname}-migrate`);
    if (expect(migrate, `no Job ${fullname}-migrate`)) {
      const a = migrate.metadata.annotations ?? {};
      expect(a["helm.sh/hook"] === "pre-install,pre-upgrade", `migrate hook is ${a["helm.sh/hook"]}`);
      expect(a["helm.sh/hook-weight"] === "0", `migrate hook weight is ${a["helm.sh/hook-weight"]}`);
      expect(a["helm.sh/hook-delete-policy"] === "before-hook-creation", "migrate hook-delete-policy");
      expect(migrate.spec.backoffLimit === 1, "migrate backoffLimit must be 1");
      expect(Number.isInteger(migrate.spec.activeDeadlineSeconds), "migrate activeDeadlineSeconds must be set");
      checkLabels("migrate Job", migrate.metadata.labels, "migrate");
      const mpod = migrate.spec.template.spec;
      expect(mpod.restartPolicy === "Never", "migrate restartPolicy must be Never");
      const [container] = mpod.containers;
      expect(basename(container.command?.[0] ?? "") === "idexx-sync" && container.command?.[1] === "migrate",
             `migrate must run idexx-sync migrate; got ${JSON.stringify(container.command)}`);
      checkContainer("migrate container", container, mpod, false);
      const hookConfigName = mpod.volumes?.find((v) => v.name === "config")?.configMap?.name;
      const hookConfig = find(docs, "ConfigMap", hookConfigName);
      if (expect(hookConfig && isHook(hookConfig), `migrate config ${hookConfigName} must be a hook ConfigMap`)) {
        const ha = hookConfig.metadata.annotations;
        expect(ha["helm.sh/hook"] === a["helm.sh/hook"], "hook ConfigMap must run on the same hook events");
        expect(Number(ha["helm.sh/hook-weight"]) < Number(a["helm.sh/hook-weight"]),
               "hook ConfigMap must have a lower hook weight than the Job");
        if (configMap) expect(hookConfig.data["config.json"] === configMap.data["config.json"],
                              "hook ConfigMap must hold the same config.json as the ordinary one");
        checkSecretPathsMounted("migrate Job", { database: { uri_file: configOf(hookConfig).database.uri_file } }, mpod);
      }
      const database = mpod.volumes?.find((v) => v.name === "database")?.secret?.secretName;
      const pipelineDatabase = pod.volumes?.find((v) => v.name === "database")?.secret?.secretName;
      expect(database && database !== pipelineDatabase,
             `migrate must use the owner database Secret, not the pipeline's (${database})`);
    }
    for (const doc of docs) {
      expect(doc.metadata.name.length <= 63, `${doc.kind}/${doc.metadata.name} longer than 63`);
      expect(doc.metadata.name === fullname || doc.metadata.name.startsWith(`${fullname}-`),
             `${doc.kind}/${doc.metadata.name} is not named ${fullname}[-…] (Decision 15)`);
    }
    finish(`structure (${file}, workers=${workers})`);
  },

  // name-length <release> <rendered.yaml>: the CronJob name is at most 52 characters.
  "name-length"([release, file]) {
    const docs = documents(file);
    const cronjob = docs.find((d) => d.kind === "CronJob");
    expect(cronjob.metadata.name.length <= 52, `CronJob name ${cronjob.metadata.name} longer than 52`);
    expect(cronjob.metadata.name.startsWith(release.slice(0, 40)), "CronJob name keeps the release prefix");
    const config = configOf(docs.find((d) => d.kind === "ConfigMap" && !isHook(d)));
    expect(config.run.cronjob_name === cronjob.metadata.name, "run.cronjob_name follows the truncated name");
    for (const doc of docs) expect(doc.metadata.name.length <= 63, `${doc.kind}/${doc.metadata.name} longer than 63`);
    finish(`name-length (${release.length}-character release)`);
  },

  // models <rendered.yaml>...: built-in kinds validate against kubernetes-models (toolchain.md 5.3).
  async models(files) {
    let checked = 0;
    for (const file of files) {
      for (const obj of documents(file)) {
        const [group, version] = obj.apiVersion.includes("/") ? obj.apiVersion.split("/") : [null, obj.apiVersion];
        if (group === "monitoring.coreos.com") {  // CRDs: no model; promtool and the structure checks cover them
          console.log(`${file}: ${obj.kind}/${obj.metadata?.name} skipped (monitoring.coreos.com)`);
          continue;
        }
        let Model;
        try {
          Model = (await import(group ? `kubernetes-models/${group}/${version}` : `kubernetes-models/${version}`))[obj.kind];
        } catch (error) {
          Model = undefined;
        }
        if (!expect(Model, `${file}: no kubernetes-models model for ${obj.apiVersion} ${obj.kind}`)) continue;
        try {
          new Model(obj).validate();
          checked++;
          console.log(`${file}: ${obj.kind}/${obj.metadata?.name} valid`);
        } catch (error) {
          expect(false, `${file}: ${obj.kind}/${obj.metadata?.name}: ${error.message.split("\n").slice(0, 4).join(" | ")}`);
        }
      }
    }
    expect(checked > 0, "no document validated");
    finish(`kubernetes-models (${checked} documents)`);
  },

  // config-keys <config_schema.cpp> <values.schema.json> <rendered.yaml>...: the rendered config.json holds
  // only keys the binaries know, with the right types and in range; the values schema's config keys are
  // binaries' keys with the same types, ranges and allowed values.
  "config-keys"([schemaCpp, valuesSchemaFile, ...files]) {
    const keys = readConfigKeys(schemaCpp);
    for (const file of files) {
      for (const configMap of documents(file).filter((d) => d.kind === "ConfigMap" && d.data?.["config.json"])) {
        const config = configOf(configMap);
        for (const [section, entries] of Object.entries(config)) {
          if (!expect(entries && typeof entries === "object" && !Array.isArray(entries),
                      `${file}: ${section} is not an object`)) continue;
          for (const [key, value] of Object.entries(entries)) {
            const spec = keys.get(`${section}.${key}`);
            if (!expect(spec, `${file} ${configMap.metadata.name}: ${section}.${key} is not a configuration key (binaries exit 78)`)) continue;
            const type = Number.isInteger(value) ? "integer" : typeof value;
            expect(type === spec.kind, `${file}: ${section}.${key} is ${type}, expected ${spec.kind}`);
            if (spec.kind === "integer") expect(value >= spec.minimum && value <= spec.maximum, `${file}: ${section}.${key} out of range`);
            if (spec.enum) expect(spec.enum.includes(value), `${file}: ${section}.${key} = ${value} not allowed`);
          }
        }
      }
    }
    const valuesSchema = JSON.parse(readFileSync(valuesSchemaFile, "utf8"));
    for (const [section, sectionSchema] of Object.entries(valuesSchema.properties.config.properties)) {
      for (const [key, property] of Object.entries(sectionSchema.properties)) {
        const path = `${section}.${key}`;
        const spec = keys.get(path);
        if (!expect(spec, `values.schema.json allows config.${path}, which the binaries do not know`)) continue;
        expect(property.type === spec.kind, `values.schema.json config.${path} is ${property.type}, binaries read ${spec.kind}`);
        if (spec.kind === "integer") {
          expect(property.minimum === spec.minimum && property.maximum === spec.maximum,
                 `values.schema.json config.${path} range ${property.minimum}..${property.maximum}, binaries ${spec.minimum}..${spec.maximum}`);
        }
        if (spec.enum) expect(JSON.stringify(property.enum) === JSON.stringify(spec.enum), `config.${path} allowed values differ`);
      }
    }
    finish(`config-keys (${keys.size} keys in ${basename(schemaCpp)})`);
  },

  // schema-strict <values.schema.json>: "additionalProperties": false on every object of the schema.
  "schema-strict"([file]) {
    let objects = 0;
    const walk = (node, where) => {
      if (!node || typeof node !== "object") return;
      if (node.type === "object" || node.properties) {
        objects++;
        expect(node.additionalProperties === false, `${where}: additionalProperties must be false`);
      }
      for (const [name, child] of Object.entries(node.properties ?? {})) walk(child, `${where}.${name}`);
      if (node.items) walk(node.items, `${where}[]`);
    };
    walk(JSON.parse(readFileSync(file, "utf8")), "(root)");
    finish(`schema-strict (${objects} objects)`);
  },

  // values-comments <values.yaml>: every key has a comment line right above it that names it.
  "values-comments"([file]) {
    const lines = readFileSync(file, "utf8").split("\n");
    let count = 0;
    lines.forEach((line, i) => {
      const match = line.match(/^(\s*)([A-Za-z_][\w-]*):/);
      if (!match || line.trimStart().startsWith("#")) return;
      count++;
      let j = i - 1;
      while (j >= 0 && lines[j].trim().startsWith("#") && !lines[j].includes(`${match[2]}:`)) j--;
      expect(j >= 0 && lines[j].trim().startsWith("#"), `${file}:${i + 1}: key ${match[2]} has no comment naming it`);
    });
    finish(`values-comments (${count} keys)`);
  },

  // binaries <rendered.yaml>...: print the binaries the chart runs (one per line).
  binaries(files) {
    const names = new Set();
    for (const file of files) {
      for (const doc of documents(file)) {
        const podSpec = doc.kind === "CronJob" ? doc.spec.jobTemplate.spec.template.spec
                      : ["Job", "Deployment", "StatefulSet", "DaemonSet"].includes(doc.kind) ? doc.spec.template.spec : null;
        for (const container of podSpec ? containersOf(podSpec) : []) {
          if (expect(container.command?.[0], `${doc.kind}/${doc.metadata.name} container ${container.name} has no command`)) {
            names.add(container.command[0]);
          }
        }
      }
    }
    if (problems.length) return finish("binaries");
    console.log([...names].sort().join("\n"));
  },

  // extract-config <rendered.yaml> <out.json>: the ordinary ConfigMap's config.json, for the binaries' checks.
  "extract-config"([file, out]) {
    const configMap = documents(file).find((d) => d.kind === "ConfigMap" && !isHook(d) && d.data?.["config.json"]);
    if (expect(configMap, `${file}: no ConfigMap with config.json`)) {
      writeFileSync(out, configMap.data["config.json"].trimEnd() + "\n");
      console.log(`wrote ${out} from ConfigMap ${configMap.metadata.name}`);
    }
    finish("extract-config");
  },
};

const [command, ...args] = process.argv.slice(2);
if (!commands[command]) {
  console.log(`usage: chart_checks.mjs {${Object.keys(commands).join("|")}} …`);
  process.exit(64);
}
await commands[command](args);
