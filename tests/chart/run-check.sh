#!/usr/bin/env bash
# One chart check, run by ctest (tests/chart/CMakeLists.txt): run-check.sh CHECK SOURCE_DIR BINARY_DIR BINARIES
# BINARIES is comma-separated: the product binaries' names (CMake's IDEXX_SYNC_BINARIES, all installed by
# `cmake --install`), or for dockerfile-runtime-libraries their built files. Needs tools/bin/helm and, in tools/node_modules, yaml@2.9.1 and kubernetes-models@5.1.0
# (ci/install-deps installs them) and Node >= 20 (architecture.md, Decision 26).
set -euo pipefail
check=$1 source_dir=$2 binary_dir=$3 binaries_csv=${4-}
chart=$source_dir/helm/idexx-sync
production=$chart/ci/production-values.yaml
helm=$source_dir/tools/bin/helm
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/idexx-sync-chart.XXXXXX")
trap 'rm -rf "$work"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

# --- prerequisites: a missing tool is a failure with the fix, never a skip --------------------------------
[ -x "$helm" ] || fail "$helm is missing: run ci/install-deps"
command -v node >/dev/null 2>&1 || fail "node is not installed: run ci/install-deps (Node >= 20 is needed)"
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || fail "node $(node --version) is too old: Node >= 20 is needed (architecture.md, Decision 26)"
for spec in yaml@2.9.1 kubernetes-models@5.1.0; do
  name=${spec%@*} version=${spec##*@}
  installed=$(node -p "require('$source_dir/tools/node_modules/$name/package.json').version" 2>/dev/null || true)
  [ "$installed" = "$version" ] \
    || fail "npm package $spec is missing from $source_dir/tools/node_modules (found '${installed:-nothing}'): run ci/install-deps"
done
# ESM imports resolve node_modules from the importing file's folders: link the pinned packages next to a copy.
mkdir -p "$work/checks"
cp "$here/chart_checks.mjs" "$here/config_keys.mjs" "$work/checks/"
ln -s "$source_dir/tools/node_modules" "$work/checks/node_modules"
checks() { node "$work/checks/chart_checks.mjs" "$@"; }

render() { # render OUT RELEASE [helm args…]: helm template, failing the check with helm's message
  local out=$1 release=$2; shift 2
  "$helm" template "$release" "$chart" "$@" >"$out" 2>"$out.err" || { cat "$out.err" >&2; fail "helm template $release $* failed"; }
  grep -q '^kind: CronJob' "$out" || fail "helm template $release $* rendered no CronJob"
}

case $check in
  lint-default)
    "$helm" lint --strict "$chart" ;;
  lint-production)
    "$helm" lint --strict "$chart" -f "$production" ;;
  template)
    render "$work/default.yaml" rel
    render "$work/production.yaml" prod -f "$production"
    # NOTES.txt (operations.md 2.4): rendered through a ConfigMap in a copy of the chart, then checked for
    # the run, follow and backfill commands.
    cp -r "$chart" "$work/chart" && cp "$chart/templates/NOTES.txt" "$work/chart/notes.txt"
    printf '%s\n' 'apiVersion: v1' 'kind: ConfigMap' 'metadata:' '  name: notes' 'data:' '  notes: |' \
      '    {{- tpl (.Files.Get "notes.txt") . | nindent 4 }}' >"$work/chart/templates/zz-notes.yaml"
    "$helm" template rel "$work/chart" --namespace idexx --show-only templates/zz-notes.yaml >"$work/notes.txt" \
      || fail "NOTES.txt does not render"
    for expected in 'create job --from=cronjob/rel-idexx-sync manual-$(date +%Y%m%d%H%M%S)' \
                    'logs -f -l batch.kubernetes.io/job-name=' '--all-containers --prefix --max-log-requests=' \
                    'idexx-sync backfill request --clinic'; do
      grep -qF -- "$expected" "$work/notes.txt" || { cat "$work/notes.txt" >&2; fail "NOTES.txt lacks: $expected"; }
    done
    echo "helm template: default and production values render; NOTES.txt has the run, follow and backfill commands" ;;
  structure)
    render "$work/default.yaml" rel --set workers=3
    checks structure rel "$work/default.yaml" 3
    render "$work/production.yaml" prod -f "$production" --set workers=3
    checks structure prod "$work/production.yaml" 3
    long=$(printf 'r%.0s' {1..53})  # helm's longest release name
    render "$work/long.yaml" "$long"
    checks name-length "$long" "$work/long.yaml" ;;
  values-schema)
    checks schema-strict "$chart/values.schema.json"
    checks values-comments "$chart/values.yaml"
    # Each of these must be rejected by values.schema.json, with the offending name in the message.
    reject() { # reject WORD ARGS…
      local word=$1; shift
      if "$helm" template rel "$chart" "$@" >"$work/out.yaml" 2>"$work/err.txt"; then
        fail "helm template $* was accepted; values.schema.json must reject it"
      fi
      grep -q "$word" "$work/err.txt" || { cat "$work/err.txt" >&2; fail "helm template $* failed without naming $word"; }
      echo "rejected as expected: $*"
    }
    reject schedul --set schedul=1
    reject config --set config.database.no_such_key=1
    reject activeDeadlineSeconds --set activeDeadlineSeconds=14400
    reject concurrencyPolicy --set concurrencyPolicy=Sometimes
    reject workers --set workers=0
    reject database --set secrets.database=
    reject tag --set image.tag=latest
    reject connect_timeout_seconds --set config.database.connect_timeout_seconds=0
    reject lables --set prometheusRule.lables.release=kps
    reject runbookBaseUrl --set prometheusRule.runbookBaseUrl=runbooks
    reject label --set dashboards.label= ;;
  monitoring)
    # The PrometheusRule and the dashboard ConfigMaps (operations.md 4 and 5.1): labels from values, raw
    # dashboard JSON (fixed uid, id null, datasource variables, no __inputs or ${DS_…} placeholders).
    render "$work/monitoring.yaml" rel --set prometheusRule.labels.release=kps --set dashboards.labelValue=yes \
      --set dashboards.folderAnnotation=grafana_folder --set dashboards.folder=Clinics
    NODE_PATH=$source_dir/tools/node_modules node -e '
      const { readFileSync } = require("node:fs");
      const { parseAllDocuments } = require("yaml");
      const docs = parseAllDocuments(readFileSync(process.argv[1], "utf8")).map((d) => d.toJS()).filter(Boolean);
      const problems = [];
      const expect = (ok, message) => { if (!ok) problems.push(message); };
      const rule = docs.find((d) => d.kind === "PrometheusRule");
      expect(rule?.apiVersion === "monitoring.coreos.com/v1", "no monitoring.coreos.com/v1 PrometheusRule");
      expect(rule?.metadata?.labels?.release === "kps", "prometheusRule.labels not on the PrometheusRule");
      expect(rule?.metadata?.labels?.["app.kubernetes.io/component"] === "alerts", "PrometheusRule component must be alerts");
      const alerts = (rule?.spec?.groups ?? []).flatMap((g) => g.rules).filter((r) => r.alert);
      expect(alerts.length >= 6, `expected at least 6 alerts, got ${alerts.length}`);
      for (const a of alerts) {
        expect(a.labels?.severity, `${a.alert}: no severity`);
        expect(a.annotations?.runbook_url?.startsWith("https://"), `${a.alert}: no runbook_url`);
      }
      const maps = docs.filter((d) => d.kind === "ConfigMap" && d.metadata?.labels?.grafana_dashboard === "yes");
      expect(maps.length === 1, `expected one dashboard ConfigMap labelled grafana_dashboard=yes, got ${maps.length}`);
      for (const map of maps) {
        expect(map.metadata.labels["app.kubernetes.io/component"] === "dashboards", "dashboard component must be dashboards");
        expect(map.metadata.annotations?.grafana_folder === "Clinics", "folder annotation missing");
        for (const [key, text] of Object.entries(map.data)) {
          expect(Buffer.byteLength(text) < 1024 * 1024, `${key}: larger than a ConfigMap holds`);
          expect(!text.includes("__inputs") && !text.includes("${DS_"), `${key}: exported for sharing (__inputs, \${DS_…})`);
          const dash = JSON.parse(text);
          expect(dash.id === null && typeof dash.uid === "string" && dash.uid.length > 0, `${key}: needs a fixed uid and "id": null`);
          const variables = Object.fromEntries((dash.templating?.list ?? []).filter((v) => v.type === "datasource").map((v) => [v.name, v]));
          for (const panel of dash.panels) {
            const uid = panel.datasource?.uid ?? "";
            const name = uid.replace(/^\$\{?|\}$/g, "");
            expect(variables[name], `${key}: panel ${panel.title} does not use a datasource variable (${uid})`);
          }
        }
      }
      for (const p of problems) console.log(`FAIL: ${p}`);
      if (problems.length) process.exit(1);
      console.log(`monitoring: PrometheusRule with ${alerts.length} alerts and ${maps.length} dashboard ConfigMap(s) OK`);
    ' "$work/monitoring.yaml" ;;
  kubernetes-models)
    render "$work/default.yaml" rel
    render "$work/production.yaml" prod -f "$production"
    checks models "$work/default.yaml" "$work/production.yaml" ;;
  config-keys)
    render "$work/default.yaml" rel
    render "$work/production.yaml" prod -f "$production"
    checks config-keys "$source_dir/shared/config/config_schema.cpp" "$chart/values.schema.json" \
      "$work/default.yaml" "$work/production.yaml" ;;
  config-json)
    # The production-values config.json, for tests that feed it to a binary's configuration check.
    render "$work/production.yaml" prod -f "$production"
    checks extract-config "$work/production.yaml" "$binary_dir/chart-config.json" ;;
  dockerfile-binaries)
    # Every binary the chart runs must be a product binary (installed by `cmake --install`, which the
    # Dockerfile runs) and the Dockerfile must put the installed binaries where the chart calls them.
    render "$work/default.yaml" rel
    render "$work/production.yaml" prod -f "$production"
    checks binaries "$work/default.yaml" "$work/production.yaml" >"$work/binaries.txt" \
      || { cat "$work/binaries.txt" >&2; fail "cannot list the chart's binaries"; }
    dockerfile=$source_dir/Dockerfile
    [ -f "$dockerfile" ] || fail "$dockerfile is missing"
    grep -Eq '^RUN .*cmake --preset release|^ *(&& )?cmake --preset release' "$dockerfile" || fail "Dockerfile does not configure with cmake --preset release"
    grep -Eq 'cmake --build --preset release *(\\|$|&&)' "$dockerfile" || fail "Dockerfile must build every target (cmake --build --preset release, no --target)"
    grep -Eq 'cmake --install build/release --prefix /out' "$dockerfile" || fail "Dockerfile does not run cmake --install build/release --prefix /out"
    grep -Eq '^COPY --from=build /out/bin/ /usr/local/bin/' "$dockerfile" || fail "Dockerfile does not copy /out/bin/ to /usr/local/bin/"
    IFS=, read -r -a product <<<"$binaries_csv"
    echo "product binaries (IDEXX_SYNC_BINARIES): ${product[*]:-none}"
    missing=0
    while read -r path; do
      name=$(basename "$path")
      if [ "$(dirname "$path")" != /usr/local/bin ]; then
        echo "FAIL: the chart runs $path, but the Dockerfile installs binaries in /usr/local/bin" >&2; missing=1; continue
      fi
      found=0
      for binary in "${product[@]}"; do [ "$binary" = "$name" ] && found=1; done
      if [ $found = 0 ]; then
        echo "FAIL: the chart runs $name, which is not a product binary (idexx_sync_executable) of this build:" \
             "the image would not contain it" >&2
        missing=1; continue
      fi
      if ! grep -rqs --include=cmake_install.cmake -E "TYPE EXECUTABLE FILES \"[^\"]*/$name\"" "$binary_dir"; then
        echo "FAIL: $name is a product binary but $binary_dir/cmake_install.cmake does not install it" >&2
        missing=1; continue
      fi
      echo "installed by the image: $path"
    done <"$work/binaries.txt"
    [ $missing = 0 ] || fail "the Dockerfile does not install every binary the chart runs" ;;
  dockerfile-packages)
    # The build stage installs the build tools and -dev packages of ci/install-deps (Decision 16).
    dockerfile=$source_dir/Dockerfile
    build_stage=$(awk '/^FROM .* AS build/{on=1; next} /^FROM /{on=0} on' "$dockerfile")
    runtime_stage=$(awk '/^FROM .* AS runtime/{on=1; next} /^FROM /{on=0} on' "$dockerfile")
    [ -n "$build_stage" ] && [ -n "$runtime_stage" ] || fail "Dockerfile needs a build and a runtime stage"
    grep -q '^FROM debian:bookworm AS build' "$dockerfile" || fail "build stage must be debian:bookworm"
    grep -q '^FROM debian:bookworm-slim AS runtime' "$dockerfile" || fail "runtime stage must be debian:bookworm-slim"
    packages=$(sed -n '/^packages=(/,/^)/p' "$source_dir/ci/install-deps" | tr -s ' ()' '\n' | grep -E -- '-dev$|^(build-essential|cmake|pkg-config)$' || true)
    [ -n "$packages" ] || fail "cannot read the packages of ci/install-deps"
    bad=0
    for package in $packages; do
      grep -qw -- "$package" <<<"$build_stage" || { echo "FAIL: the build stage does not install $package (ci/install-deps does)" >&2; bad=1; }
    done
    for package in ca-certificates tzdata; do
      grep -qw -- "$package" <<<"$runtime_stage" || { echo "FAIL: the runtime stage does not install $package" >&2; bad=1; }
    done
    grep -Eq -- '-dev\b' <<<"$runtime_stage" && { echo "FAIL: the runtime stage installs -dev packages" >&2; bad=1; }
    grep -q '^USER 10001' <<<"$runtime_stage" || { echo "FAIL: the runtime stage must run as USER 10001 (the chart's runAsUser)" >&2; bad=1; }
    grep -q '^ENTRYPOINT' "$dockerfile" && { echo "FAIL: no ENTRYPOINT: the chart names each container's binary" >&2; bad=1; }
    [ $bad = 0 ] || fail "Dockerfile is out of step with ci/install-deps or the chart"
    echo "Dockerfile stages: $(wc -w <<<"$packages") packages of ci/install-deps in the build stage; runtime stage OK" ;;
  dockerfile-runtime-libraries)
    # Every shared library a built product binary loads directly (ELF NEEDED) must come from a package the
    # runtime stage installs, from one of their dependencies, or from the base image. Read from this
    # machine's dpkg database (same Debian release as the image), so no apt lists are needed.
    # BINARIES here is the comma-separated list of the product binaries' built files.
    IFS=, read -r -a files <<<"$binaries_csv"
    [ ${#files[@]} -gt 0 ] || fail "no product binaries given"
    for file in "${files[@]}"; do
      [ -x "$file" ] || fail "$file is not built: build the project (cmake --build) before this check"
    done
    dockerfile=$source_dir/Dockerfile
    runtime_stage=$(awk '/^FROM .* AS runtime/{on=1; next} /^FROM /{on=0} on' "$dockerfile")
    roots=$(sed -n '/apt-get install/,/^ *&& rm/p' <<<"$runtime_stage" | tr -s ' \\' '\n' \
            | grep -E '^[a-z0-9][a-z0-9.+-]+$' | grep -vE '^(apt-get|install|rm|DEBIAN_FRONTEND.*)$' || true)
    [ -n "$roots" ] || fail "cannot read the runtime stage's packages from the Dockerfile"
    # Base image: apt (in every Debian image) and the Essential / Priority required packages, with their
    # dependencies.
    roots+=" apt $(dpkg-query -W -f='${Package} ${Essential} ${Priority}\n' | awk '$2 == "yes" || $3 == "required" {print $1}')"
    declare -A present=()
    queue=($roots)
    while [ ${#queue[@]} -gt 0 ]; do
      package=${queue[0]}; queue=("${queue[@]:1}")
      package=${package%%:*}
      [ -n "${present[$package]-}" ] && continue
      present[$package]=1
      depends=$(dpkg-query -W -f='${Pre-Depends}, ${Depends}' "$package" 2>/dev/null || true)
      for dependency in $(tr ',|' '\n\n' <<<"$depends" | sed -E 's/\(.*\)//; s/:any//; s/^ +| +$//g' | grep -v '^$'); do
        [ -n "${present[$dependency]-}" ] || queue+=("$dependency")
      done
    done
    bad=0 checked=0
    for file in "${files[@]}"; do
      ldd_out=$(ldd "$file")
      for soname in $(objdump -p "$file" | awk '$1 == "NEEDED" {print $2}'); do
        path=$(awk -v so="$soname" '$1 == so && $3 ~ /^\// {print $3}' <<<"$ldd_out")
        [ -n "$path" ] || { echo "FAIL: $(basename "$file"): $soname not found by ldd" >&2; bad=1; continue; }
        owner=$( { dpkg -S "$path" 2>/dev/null || dpkg -S "/usr$path" 2>/dev/null || dpkg -S "$(realpath "$path")" 2>/dev/null \
                   || dpkg -S "/usr$(realpath "$path")" 2>/dev/null; } | head -1 | cut -d: -f1)
        [ -n "$owner" ] || { echo "FAIL: $(basename "$file"): no Debian package owns $path" >&2; bad=1; continue; }
        # Sanitizer runtimes come from the dev preset (IDEXX_SYNC_SANITIZE); the image's release build has none.
        [[ $owner =~ ^lib(a|ub|t|l|hwa)san[0-9]+$ ]] && continue
        checked=$((checked + 1))
        [ -n "${present[$owner]-}" ] \
          || { echo "FAIL: $(basename "$file") loads $soname from $owner, which the runtime stage does not install" >&2; bad=1; }
      done
    done
    [ $bad = 0 ] || fail "the Dockerfile's runtime stage misses libraries the binaries load"
    echo "runtime stage provides all $checked direct library dependencies of ${#files[@]} binaries" ;;
  *)
    fail "unknown check $check" ;;
esac
