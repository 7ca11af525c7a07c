#!/usr/bin/env bash
# run-promtool.sh SOURCE_DIR: renders the chart's PrometheusRule (helm template, default values), writes its
# spec as a plain rules file, and runs `promtool check rules` and `promtool test rules` on it, so the copy
# the chart ships is the one tested (operations.md 5.3). Needs tools/bin/helm, Node >= 20 with the yaml package
# in tools/node_modules, and promtool (ci/install-deps installs them); a missing tool fails, never skips.
set -euo pipefail
source_dir=$1
chart=$source_dir/helm/idexx-sync
helm=$source_dir/tools/bin/helm
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/idexx-sync-alerts.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

[ -x "$helm" ] || fail "$helm is missing: run ci/install-deps"
command -v promtool >/dev/null 2>&1 || fail "promtool is not installed: run ci/install-deps (Debian package prometheus)"
command -v node >/dev/null 2>&1 || fail "node is not installed: run ci/install-deps"

"$helm" template rel "$chart" --show-only templates/prometheusrule.yaml >"$work/prometheusrule.yaml" \
  || fail "helm template did not render templates/prometheusrule.yaml"
NODE_PATH=$source_dir/tools/node_modules node -e '
  const fs = require("fs");
  const YAML = require("yaml");
  const rule = YAML.parse(fs.readFileSync(process.argv[1], "utf8"));
  if (rule?.kind !== "PrometheusRule" || rule.apiVersion !== "monitoring.coreos.com/v1" || !rule.spec?.groups)
    throw new Error("the rendered document is not a monitoring.coreos.com/v1 PrometheusRule with spec.groups");
  for (const group of rule.spec.groups)
    for (const r of group.rules)
      if (r.alert && !(r.labels?.severity && r.annotations?.runbook_url))
        throw new Error(`alert ${r.alert} lacks a severity label or a runbook_url annotation`);
  fs.writeFileSync(process.argv[2], YAML.stringify(rule.spec));
' "$work/prometheusrule.yaml" "$work/idexx-sync.rules.yml" || fail "cannot extract the rules from the PrometheusRule"
cp "$here/idexx_sync_rules_test.yml" "$work/"
cd "$work"
promtool check rules idexx-sync.rules.yml
promtool test rules idexx_sync_rules_test.yml
