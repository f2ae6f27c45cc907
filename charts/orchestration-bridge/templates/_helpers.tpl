{{/* Name of every object: the release name, with the chart's name unless the release already says it. */}}
{{- define "ob.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "ob.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Selector labels of one program: (dict "root" $ "component" "bridge") */}}
{{- define "ob.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "ob.componentLabels" -}}
{{ include "ob.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "ob.serviceAccountName" -}}
{{- printf "%s-%s" (include "ob.fullname" .root) .component -}}
{{- end -}}

{{/* The bridge's Lease: its name is also the only one its Role may get and update. */}}
{{- define "ob.leaseName" -}}
{{- include "ob.fullname" . -}}
{{- end -}}

{{- define "ob.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* Ports the image's programs listen on (BRIDGE_HTTP_PORT, WORKER_HTTP_PORT). */}}
{{- define "ob.port" -}}
{{- if eq . "bridge" }}8080{{ else }}8081{{ end -}}
{{- end -}}

{{/* The worker's hand-back margin after its shutdown grace: SHUTDOWN_FORCE_MARGIN_SECONDS in worker/config.ts. */}}
{{- define "ob.workerForceMarginSeconds" -}}15{{- end -}}

{{/* A value as an environment string; YAML numbers arrive as float64 and would print as 8.64e+07. */}}
{{- define "ob.envString" -}}
{{- if or (kindIs "float64" .) (kindIs "int64" .) (kindIs "int" .) -}}
{{- . | int64 | toString | quote -}}
{{- else -}}
{{- . | toString | quote -}}
{{- end -}}
{{- end -}}

{{/* Temporal connection for both programs, as @temporalio/envconfig reads it. */}}
{{- define "ob.temporalEnv" -}}
- name: TEMPORAL_ADDRESS
  value: {{ .Values.temporal.address | quote }}
- name: TEMPORAL_NAMESPACE
  value: {{ .Values.temporal.namespace | quote }}
- name: ORCHESTRATION_TASK_QUEUE
  value: {{ .Values.temporal.taskQueue | quote }}
{{- with .Values.temporal.apiKey.secretName }}
- name: TEMPORAL_API_KEY
  valueFrom:
    secretKeyRef:
      name: {{ . | quote }}
      key: {{ $.Values.temporal.apiKey.key | quote }}
{{- end }}
{{- with .Values.temporal.tls }}
{{- if .enabled }}
- name: TEMPORAL_TLS
  value: "true"
{{- if .secretName }}
{{- if .clientCertKey }}
- name: TEMPORAL_TLS_CLIENT_CERT_PATH
  value: {{ printf "/etc/temporal/tls/%s" .clientCertKey | quote }}
{{- end }}
{{- if .clientKeyKey }}
- name: TEMPORAL_TLS_CLIENT_KEY_PATH
  value: {{ printf "/etc/temporal/tls/%s" .clientKeyKey | quote }}
{{- end }}
{{- if .serverCaCertKey }}
- name: TEMPORAL_TLS_SERVER_CA_CERT_PATH
  value: {{ printf "/etc/temporal/tls/%s" .serverCaCertKey | quote }}
{{- end }}
{{- end }}
{{- with .serverName }}
- name: TEMPORAL_TLS_SERVER_NAME
  value: {{ . | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- range $name, $value := .Values.controllers.env.vars }}
- name: {{ $name }}
  value: {{ include "ob.envString" $value }}
{{- end }}
{{- end -}}

{{- define "ob.temporalTlsMounted" -}}
{{- if and .Values.temporal.tls.enabled .Values.temporal.tls.secretName }}true{{ end -}}
{{- end -}}

{{/* Volumes both programs mount: a writable /tmp under a read-only root, and the Temporal TLS Secret. */}}
{{- define "ob.volumes" -}}
- name: tmp
  emptyDir: {}
{{- if include "ob.temporalTlsMounted" . }}
- name: temporal-tls
  secret:
    secretName: {{ .Values.temporal.tls.secretName | quote }}
    defaultMode: 292 # 0444: the image runs as a non-root user the files do not belong to
    items:
      {{- range $key := list .Values.temporal.tls.clientCertKey .Values.temporal.tls.clientKeyKey .Values.temporal.tls.serverCaCertKey | compact | uniq }}
      - key: {{ $key | quote }}
        path: {{ $key | quote }}
      {{- end }}
{{- end }}
{{- end -}}

{{- define "ob.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- if include "ob.temporalTlsMounted" . }}
- name: temporal-tls
  mountPath: /etc/temporal/tls
  readOnly: true
{{- end }}
{{- end -}}

{{/*
RBAC rules, derived from the calls the code makes (see the README's "RBAC" table for which call needs which).
No Secrets, ConfigMaps or Pods/exec; no update where a patch is what the code sends.
*/}}
{{- define "ob.bridgeRules" -}}
- apiGroups: [orchestration.proompteng.ai]
  resources: [orchestrationruns]
  verbs: [get, list, watch, patch, delete]
- apiGroups: [orchestration.proompteng.ai]
  resources: [orchestrationruns/status]
  verbs: [patch]
- apiGroups: [orchestration.proompteng.ai]
  resources: [orchestrations]
  verbs: [list, watch]
- apiGroups: [orchestration.proompteng.ai]
  resources: [orchestrations/status]
  verbs: [patch]
- apiGroups: [orchestration.proompteng.ai]
  resources: [orchestrationschedules]
  verbs: [get, list, watch, patch]
- apiGroups: [orchestration.proompteng.ai]
  resources: [orchestrationschedules/status]
  verbs: [patch]
- apiGroups: [batch]
  resources: [jobs]
  verbs: [deletecollection]
- apiGroups: [""]
  resources: [events]
  verbs: [create]
{{- end -}}

{{- define "ob.workerRules" -}}
- apiGroups: [orchestration.proompteng.ai]
  resources: [orchestrationruns]
  verbs: [get, create, patch]
- apiGroups: [orchestration.proompteng.ai]
  resources: [orchestrationschedules]
  verbs: [get]
- apiGroups: [orchestration.proompteng.ai]
  resources: [orchestrationruns/status]
  verbs: [patch]
- apiGroups: [orchestration.proompteng.ai]
  resources: [orchestrations]
  verbs: [get]
- apiGroups: [batch]
  resources: [jobs]
  verbs: [create, get, list, watch, delete]
- apiGroups: [""]
  resources: [pods]
  verbs: [list]
- apiGroups: [""]
  resources: [events]
  verbs: [create]
{{- end -}}
