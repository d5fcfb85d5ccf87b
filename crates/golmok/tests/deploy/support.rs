//! Rendering the chart and the kustomize overlays, validating manifests with
//! kubeconform, and reading the objects back as JSON.

use std::path::{Path, PathBuf};
use std::process::Output;

use golmok_testkit::{k8s_schemas, k8s_tool};
use serde::Deserialize;
use serde_json::Value;

/// The release name and namespace every rendering uses.
pub const RELEASE: &str = "golmok";
pub const NAMESPACE: &str = "golmok";
/// The kinds of custom resources the schemas do not cover: Strimzi publishes its CRDs
/// only in its release downloads and Helm chart, which these machines cannot reach, so
/// kubeconform skips `KafkaTopic` and [`crate::chart`] checks its shape itself. (The
/// Scylla Operator's CRD comes from its module on the Go module proxy: the schemas
/// cover `ScyllaCluster`, strictly.)
pub const CUSTOM_KINDS: [&str; 1] = ["KafkaTopic"];

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn chart() -> PathBuf {
    repo().join("charts/golmok")
}

pub fn production_values() -> PathBuf {
    chart().join("values-production.yaml")
}

/// Its stdout; panics with its stderr unless it succeeded.
pub fn succeeded(what: &str, output: Output) -> String {
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr),
        String::from_utf8_lossy(&output.stdout)
    );
    String::from_utf8(output.stdout).unwrap_or_else(|e| panic!("{what}: output not UTF-8: {e}"))
}

/// `helm template` of the chart with `args` (values files, `--set`…).
pub fn helm_template(args: &[&str]) -> String {
    let chart = chart();
    let mut line = vec![
        "template",
        RELEASE,
        chart.to_str().expect("a UTF-8 path"),
        "--namespace",
        NAMESPACE,
    ];
    line.extend_from_slice(args);
    succeeded(&format!("helm {}", line.join(" ")), k8s_tool("helm", &line))
}

/// Every object of a multi-document YAML stream, as JSON.
pub fn objects(yaml: &str) -> Vec<Value> {
    serde_norway::Deserializer::from_str(yaml)
        .map(|document| Value::deserialize(document).unwrap_or_else(|e| panic!("YAML: {e}")))
        .filter(|object| !object.is_null())
        .collect()
}

/// The objects of `kind`.
pub fn of_kind<'a>(objects: &'a [Value], kind: &str) -> Vec<&'a Value> {
    objects.iter().filter(|o| o["kind"] == kind).collect()
}

/// The object of `kind` named `name`; panics when there is none.
pub fn named<'a>(objects: &'a [Value], kind: &str, name: &str) -> &'a Value {
    objects
        .iter()
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name}"))
}

pub fn str_of(value: &Value) -> &str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a string: {value}"))
}

/// The Kubernetes version the generated schemas are for (`1.34.4`).
pub fn kubernetes_version() -> String {
    let schemas = k8s_schemas();
    std::fs::read_dir(&schemas)
        .unwrap_or_else(|e| panic!("read {}: {e}", schemas.display()))
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            Some(name.strip_prefix('v')?.strip_suffix("-strict")?.to_owned())
        })
        .next()
        .unwrap_or_else(|| panic!("no v<version>-strict directory in {}", schemas.display()))
}

/// kubeconform's JSON report on `yaml`: every manifest validated, strict, against the
/// schemas generated from the built kube-apiserver's OpenAPI document.
pub fn kubeconform_output(yaml: &str) -> Output {
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = dir.path().join("manifests.yaml");
    std::fs::write(&file, yaml).expect("write the manifests");
    let location = format!(
        "{}/{{{{ .NormalizedKubernetesVersion }}}}{{{{ .StrictSuffix }}}}/{{{{ .ResourceKind }}}}{{{{ .KindSuffix }}}}.json",
        k8s_schemas().display()
    );
    let version = kubernetes_version();
    let skip = CUSTOM_KINDS.join(",");
    k8s_tool(
        "kubeconform",
        &[
            "-strict",
            "-summary",
            "-output",
            "json",
            "-kubernetes-version",
            &version,
            "-schema-location",
            &location,
            "-skip",
            &skip,
            file.to_str().expect("a UTF-8 path"),
        ],
    )
}

/// Validates every manifest of `yaml` with kubeconform ([`kubeconform_output`]);
/// panics naming what is invalid. Returns how many resources were valid.
pub fn kubeconform(what: &str, yaml: &str) -> usize {
    let output = kubeconform_output(yaml);
    let report = succeeded(&format!("kubeconform of {what}"), output);
    let report: Value = serde_json::from_str(&report)
        .unwrap_or_else(|e| panic!("kubeconform's JSON report: {e}\n{report}"));
    let summary = &report["summary"];
    assert_eq!(summary["invalid"], 0, "{what}: {report}");
    assert_eq!(summary["errors"], 0, "{what}: {report}");
    let valid = summary["valid"].as_u64().expect("a count") as usize;
    let expected = objects(yaml)
        .iter()
        .filter(|o| !CUSTOM_KINDS.contains(&str_of(&o["kind"])))
        .count();
    assert_eq!(valid, expected, "{what}: every object validated: {report}");
    valid
}

/// Every port a NetworkPolicy's spec lets its pods reach, rule after rule.
pub fn egress_ports(policy: &Value) -> Vec<u64> {
    policy["egress"]
        .as_array()
        .expect("egress rules")
        .iter()
        .flat_map(|rule| {
            rule["ports"]
                .as_array()
                .expect("ports")
                .iter()
                .map(|p| p["port"].as_u64().expect("a port"))
        })
        .collect()
}

/// The pod template's spec of a workload (Deployment or Job).
pub fn pod_spec(workload: &Value) -> &Value {
    &workload["spec"]["template"]["spec"]
}

/// Every container of a pod spec, init containers first.
pub fn containers(pod: &Value) -> Vec<&Value> {
    ["initContainers", "containers"]
        .iter()
        .filter_map(|key| pod[*key].as_array())
        .flatten()
        .collect()
}

/// Whether a label selector's `matchLabels` all hold in `labels`.
pub fn selects(selector: &Value, labels: &Value) -> bool {
    selector["matchLabels"]
        .as_object()
        .is_some_and(|wanted| wanted.iter().all(|(k, v)| labels[k] == *v))
        && selector.get("matchExpressions").is_none()
}
