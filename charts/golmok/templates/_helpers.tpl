{{/* The chart's name, or nameOverride. */}}
{{- define "golmok.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* `<release>-<chart>` (or the release name when it contains the chart's name), or fullnameOverride. */}}
{{- define "golmok.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "golmok.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The standard labels of every object. */}}
{{- define "golmok.labels" -}}
helm.sh/chart: {{ include "golmok.chart" . }}
{{ include "golmok.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: golmok
{{- end }}

{{/* The labels that select the release's pods. */}}
{{- define "golmok.selectorLabels" -}}
app.kubernetes.io/name: {{ include "golmok.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Labels of one component's objects: call with (dict "root" $ "component" NAME). */}}
{{- define "golmok.componentLabels" -}}
{{ include "golmok.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* Labels selecting one component's pods. */}}
{{- define "golmok.componentSelector" -}}
{{ include "golmok.selectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "golmok.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "golmok.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "golmok.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* The Secret holding `jwt-signing.key`. */}}
{{- define "golmok.signingKeySecret" -}}
{{- default (printf "%s-signing-key" (include "golmok.fullname" .)) .Values.auth.existingSecret }}
{{- end }}

{{/* A service's CQL keyspace: the prefix and its name with `_` for `-`. */}}
{{- define "golmok.keyspace" -}}
{{- printf "%s%s" .root.Values.scylla.keyspacePrefix (replace "-" "_" .name) }}
{{- end }}

{{/* A `[<service>.storage]` table on the CQL cluster, as YAML. */}}
{{- define "golmok.cqlStorage" -}}
kind: scylla
contact_points: {{ toJson .root.Values.scylla.contactPoints }}
keyspace: {{ include "golmok.keyspace" . }}
consistency: {{ .root.Values.scylla.consistency }}
serial_consistency: {{ .root.Values.scylla.serialConsistency }}
{{- $replication := .root.Values.scylla.replication }}
{{- if eq $replication.class "SimpleStrategy" }}
replication: {{ toJson (dict "class" "SimpleStrategy" "replication_factor" $replication.replicationFactor) }}
{{- else }}
replication: {{ toJson (dict "class" "NetworkTopologyStrategy" "datacenters" $replication.datacenters) }}
{{- end }}
{{- end }}

{{/*
golmok.toml: the settings every process reads (crates/golmok/src/settings.rs). Each
service listens on all interfaces at its port and stores on the CQL cluster; the
gateway reaches each service through its Kubernetes Service.
*/}}
{{- define "golmok.settings" -}}
{{- $root := . }}
{{- $fullname := include "golmok.fullname" . }}
{{- $upstreams := dict }}
{{- $settings := dict }}
{{- range $name, $service := .Values.services }}
{{- if $service.enabled }}
{{- $_ := set $upstreams $name (printf "http://%s-%s:%d" $fullname $name (int $service.port)) }}
{{- $storage := include "golmok.cqlStorage" (dict "root" $root "name" $name) | fromYaml }}
{{- $_ := set $settings $name (dict "listen" (printf "0.0.0.0:%d" (int $service.port)) "storage" $storage) }}
{{- end }}
{{- end }}
{{- $auth := dict "issuer" .Values.auth.issuer "audience" .Values.auth.audience "token_ttl_secs" (int64 .Values.auth.tokenTtlSecs) }}
{{- $gateway := dict "listen" (printf "0.0.0.0:%d" (int .Values.gateway.port)) "auth" $auth "cors" (dict "allowed_origins" .Values.gateway.corsAllowedOrigins) }}
{{- $_ := set $settings "gateway" $gateway }}
{{- $_ := set $settings "upstreams" $upstreams }}
{{- with .Values.telemetry }}
{{- if .otlpEndpoint }}
{{- $_ := set $settings "telemetry" (dict "otlp_endpoint" .otlpEndpoint "sampling_ratio" (float64 .samplingRatio)) }}
{{- end }}
{{- end }}
{{- /* Helm reads every number of a values file as a float: a whole one is written as an
integer, which the settings' integer keys require (`replication_factor = 1`). */}}
{{- regexReplaceAll "(?m)= (-?[0-9]+)\\.0$" (toToml (mergeOverwrite $settings (deepCopy .Values.settings))) "= ${1}" }}
{{- end }}

{{/*
The pod-level parts every workload shares: call with (dict "root" $), and
"serviceAccount" to run as another account than the chart's.
*/}}
{{- define "golmok.podSecurity" -}}
serviceAccountName: {{ .serviceAccount | default (include "golmok.serviceAccountName" .root) }}
automountServiceAccountToken: false
enableServiceLinks: false
securityContext:
  {{- toYaml .root.Values.podSecurityContext | nindent 2 }}
{{- with .root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* The golmok container's common parts (image, security context, mounts). */}}
{{- define "golmok.containerBase" -}}
image: {{ include "golmok.image" .root }}
imagePullPolicy: {{ .root.Values.image.pullPolicy }}
securityContext:
  {{- toYaml .root.Values.securityContext | nindent 2 }}
volumeMounts:
  - name: config
    mountPath: /etc/golmok
    readOnly: true
  - name: data
    mountPath: {{ .root.Values.dataDir }}
  - name: tmp
    mountPath: /tmp
{{- end }}

{{/* The volumes behind golmok.containerBase; `configMap` names the settings ConfigMap. */}}
{{- define "golmok.volumes" -}}
- name: config
  configMap:
    name: {{ .configMap }}
- name: data
  emptyDir: {}
- name: tmp
  emptyDir:
    medium: Memory
    sizeLimit: 64Mi
{{- end }}

{{/*
The workloads, as a YAML list: the gateway and every enabled service, each with its
name, its `golmok serve` arguments and its values section.
*/}}
{{- define "golmok.workloads" -}}
{{- $root := . }}
{{- $common := list "--config" "/etc/golmok/golmok.toml" "--data-dir" .Values.dataDir "--bus" "kafka" "--brokers" .Values.kafka.bootstrapServers }}
- name: gateway
  gateway: true
  cql: false
  args: {{ toJson (concat (list "serve" "gateway") $common) }}
  values: {{ toJson .Values.gateway }}
{{- range $name, $service := .Values.services }}
{{- if $service.enabled }}
- name: {{ $name }}
  gateway: false
  cql: true
  args: {{ toJson (concat (list "serve" $name) $common) }}
  values: {{ toJson $service }}
{{- end }}
{{- end }}
{{- end }}

{{/* Egress rules to cluster DNS, Kafka, (when `cql`) the CQL nodes and (when "telemetry" has an endpoint) the OTLP collector: call with (dict "np" .Values.networkPolicy "cql" BOOL ["telemetry" .Values.telemetry]). */}}
{{- define "golmok.egress" -}}
{{- $targets := list .np.dns .np.kafka }}
{{- if .cql }}{{ $targets = append $targets .np.scylla }}{{ end }}
{{- if and .telemetry .telemetry.otlpEndpoint }}{{ $targets = append $targets .telemetry.collector }}{{ end }}
{{- range $i, $target := $targets }}
- to:
    {{- toYaml $target.to | nindent 4 }}
  ports:
    {{- range $target.ports }}
    - port: {{ . }}
      protocol: TCP
    {{- if eq $i 0 }}
    - port: {{ . }}
      protocol: UDP
    {{- end }}
    {{- end }}
{{- end }}
{{- end }}
