{{/*
Helpers of the idexx-sync chart. Every define is namespaced "idexx-sync." (defines are global across a
chart and its subcharts).
*/}}

{{/*
idexx-sync.fullname: <release>-idexx-sync, always in this literal form (architecture.md, Decision 15),
truncated to the 63 characters of a Kubernetes name.
*/}}
{{- define "idexx-sync.fullname" -}}
{{- printf "%s-idexx-sync" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
idexx-sync.suffixedName: <release>-idexx-sync-<suffix>, truncated to 63. Call with (list . "suffix").
*/}}
{{- define "idexx-sync.suffixedName" -}}
{{- $root := index . 0 -}}
{{- printf "%s-idexx-sync-%s" $root.Release.Name (index . 1) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
idexx-sync.cronjobName: the CronJob's name, <release>-idexx-sync truncated to 52 characters (the controller
appends 11 characters to make a Job name of at most 63; operations.md 1.2).
*/}}
{{- define "idexx-sync.cronjobName" -}}
{{- printf "%s-idexx-sync" .Release.Name | trunc 52 | trimSuffix "-" -}}
{{- end -}}

{{/*
idexx-sync.configMapName and idexx-sync.hookConfigMapName: the configuration file's ConfigMap, and its copy
made as a hook for the migration Job (a pre-install hook runs before any ordinary resource exists).
*/}}
{{- define "idexx-sync.configMapName" -}}
{{- include "idexx-sync.suffixedName" (list . "config") -}}
{{- end -}}

{{- define "idexx-sync.hookConfigMapName" -}}
{{- include "idexx-sync.suffixedName" (list . "migrate-config") -}}
{{- end -}}

{{/*
idexx-sync.chart: <name>-<version> for the helm.sh/chart label ("+" is not allowed in label values).
*/}}
{{- define "idexx-sync.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
idexx-sync.selectorLabels: the labels that identify this release's objects of one component.
Call with (list . "component").
*/}}
{{- define "idexx-sync.selectorLabels" -}}
{{- $root := index . 0 -}}
app.kubernetes.io/name: {{ $root.Chart.Name }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{/*
idexx-sync.labels: the standard labels (operations.md 2.1). Call with (list . "component"); components are
sync (the CronJob chain and its ConfigMap), migrate (the hook).
*/}}
{{- define "idexx-sync.labels" -}}
{{- $root := index . 0 -}}
helm.sh/chart: {{ include "idexx-sync.chart" $root }}
{{ include "idexx-sync.selectorLabels" . }}
app.kubernetes.io/version: {{ $root.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: idexx-sync
app.kubernetes.io/managed-by: {{ $root.Release.Service }}
{{- end -}}

{{/*
idexx-sync.image: repository@digest when a digest is given, else repository:tag (tag defaults to appVersion).
*/}}
{{- define "idexx-sync.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}
{{- end -}}

{{/*
idexx-sync.serviceAccountName: the sync pods' account.
*/}}
{{- define "idexx-sync.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- include "idexx-sync.fullname" . -}}
{{- else -}}
{{- .Values.serviceAccount.name | default "default" -}}
{{- end -}}
{{- end -}}

{{/*
Paths inside the containers. The configuration file names the secret files by these paths (the *_file keys).
*/}}
{{- define "idexx-sync.configDir" -}}/etc/idexx-sync{{- end -}}
{{- define "idexx-sync.secretsDir" -}}/var/run/secrets/idexx-sync{{- end -}}

{{/*
idexx-sync.configJson: the configuration file (architecture.md, Decision 3). It is .Values.config, whose keys
values.schema.json limits to the binaries' own keys, with empty strings left out (a key left out takes the
binary's default, and a required one fails the binary with exit 78 naming it), plus the keys the chart owns:
the *_file keys and credential_keys.directory pointing at the mounted Secrets, and run.cronjob_name.
*/}}
{{- define "idexx-sync.configJson" -}}
{{- $secrets := include "idexx-sync.secretsDir" . -}}
{{- $config := dict -}}
{{- range $section, $keys := .Values.config -}}
{{- $kept := dict -}}
{{- range $key, $value := $keys -}}
{{- if not (or (kindIs "invalid" $value) (and (kindIs "string" $value) (eq $value ""))) -}}
{{- $_ := set $kept $key $value -}}
{{- end -}}
{{- end -}}
{{- $_ := set $config $section $kept -}}
{{- end -}}
{{- $owned := dict
      "database" (dict "uri_file" (printf "%s/database/uri" $secrets))
      "credential_keys" (dict "directory" (printf "%s/credential-keys" $secrets))
      "qstash" (dict "token_file" (printf "%s/qstash/token" $secrets))
      "vapi" (dict "private_key_file" (printf "%s/vapi/private-key" $secrets))
      "run" (dict "cronjob_name" (include "idexx-sync.cronjobName" .)) -}}
{{- if .Values.secrets.posthog -}}
{{- $_ := set $owned "posthog" (dict "project_api_key_file" (printf "%s/posthog/project-api-key" $secrets)) -}}
{{- end -}}
{{- range $section, $keys := $owned -}}
{{- $_ := set $config $section (merge (get $config $section | default dict) $keys) -}}
{{- end -}}
{{- range $section, $keys := $config -}}
{{- if not $keys -}}
{{- $_ := unset $config $section -}}
{{- end -}}
{{- end -}}
{{- toPrettyJson $config -}}
{{- end -}}

{{/*
idexx-sync.containerSecurityContext: every container runs as the image's non-root user, without privileges,
on a read-only root filesystem.
*/}}
{{- define "idexx-sync.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
allowPrivilegeEscalation: false
privileged: false
readOnlyRootFilesystem: true
capabilities:
  drop:
    - ALL
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/*
idexx-sync.podSecurityContext: fsGroup makes the mounted Secret files (mode 0440) readable by the user.
*/}}
{{- define "idexx-sync.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/*
idexx-sync.env: the environment of every container: the run id is the Job's name, read from the pod label
the Job controller sets (architecture.md, Decision 1), and the configuration file's path.
*/}}
{{- define "idexx-sync.env" -}}
- name: IDEXX_SYNC_RUN_ID
  valueFrom:
    fieldRef:
      fieldPath: metadata.labels['batch.kubernetes.io/job-name']
- name: IDEXX_SYNC_CONFIG
  value: {{ include "idexx-sync.configDir" . }}/config.json
{{- end -}}

{{/*
idexx-sync.secretVolume: a read-only Secret volume. Call with (dict "name" … "secretName" … "items" (list key…));
without items every key of the Secret becomes a file.
*/}}
{{- define "idexx-sync.secretVolume" -}}
- name: {{ .name }}
  secret:
    secretName: {{ .secretName }}
    defaultMode: 288 # 0440: read for the user and for the group (fsGroup)
    {{- with .items }}
    items:
      {{- range . }}
      - key: {{ . }}
        path: {{ . }}
      {{- end }}
    {{- end }}
{{- end -}}

{{/*
idexx-sync.podFailurePolicy: exit codes drive the Job (architecture.md, "Exit codes"): usage (64) and
configuration (78) errors fail the Job at once, evictions and preemptions are not counted, anything else
(75 transient, 1 bug) counts against backoffLimit. Applies to init containers too.
*/}}
{{- define "idexx-sync.podFailurePolicy" -}}
rules:
  - action: FailJob
    onExitCodes:
      operator: In
      values: [64, 78]
  - action: Ignore
    onPodConditions:
      - type: DisruptionTarget
  - action: Count
    onExitCodes:
      operator: NotIn
      values: [0]
{{- end -}}
