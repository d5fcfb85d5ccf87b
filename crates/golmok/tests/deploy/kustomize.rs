//! k8s/: the kustomize base is the chart's rendering (without Helm's hooks and
//! labels), and the dev and prod overlays keep the chart's workloads.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

use crate::support::{
    helm_template, kubeconform, named, objects, of_kind, pod_spec, repo, str_of, succeeded,
};

/// The values the base is rendered with: the operator brings the signing key's Secret.
const BASE_VALUES: &str = "auth.existingSecret=golmok-signing-key";
const HEADER: &str = "# Generated from charts/golmok by crates/golmok/tests/deploy/kustomize.rs\n\
                      # (GOLMOK_UPDATE_SCHEMAS=1 cargo nextest run -p golmok --test deploy); do not edit.\n";

fn base_dir() -> PathBuf {
    repo().join("k8s/base")
}

/// Drops what only Helm reads: the chart label, the hook annotations; the objects are
/// managed by kustomize.
fn without_helm(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if key == "labels"
                    && let Value::Object(labels) = child
                {
                    labels.remove("helm.sh/chart");
                    if labels.contains_key("app.kubernetes.io/managed-by") {
                        labels.insert("app.kubernetes.io/managed-by".into(), "kustomize".into());
                    }
                } else if key == "annotations"
                    && let Value::Object(annotations) = child
                {
                    annotations.retain(|k, _| !k.starts_with("helm.sh/"));
                }
                without_helm(child);
            }
            if map
                .get("annotations")
                .is_some_and(|a| a.as_object().is_some_and(|a| a.is_empty()))
            {
                map.remove("annotations");
            }
        }
        Value::Array(items) => items.iter_mut().for_each(without_helm),
        _ => {}
    }
}

/// The base's files as the chart renders them: file name → object.
fn rendered_base() -> BTreeMap<String, Value> {
    objects(&helm_template(&["--set", BASE_VALUES]))
        .into_iter()
        .map(|mut object| {
            without_helm(&mut object);
            let name = format!(
                "{}-{}.yaml",
                str_of(&object["kind"]).to_lowercase(),
                str_of(&object["metadata"]["name"])
            );
            (name, object)
        })
        .collect()
}

#[test]
fn the_kustomize_base_is_the_charts_rendering() {
    let rendered = rendered_base();
    let kustomization = format!(
        "{HEADER}apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n{}",
        rendered
            .keys()
            .map(|name| format!("  - {name}\n"))
            .collect::<String>()
    );
    let dir = base_dir();
    if std::env::var_os("GOLMOK_UPDATE_SCHEMAS").is_some() {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create k8s/base");
        for (name, object) in &rendered {
            let yaml = serde_norway::to_string(object).expect("YAML");
            std::fs::write(dir.join(name), format!("{HEADER}{yaml}")).expect("write a base file");
        }
        std::fs::write(dir.join("kustomization.yaml"), &kustomization)
            .expect("write kustomization.yaml");
    }
    let mut committed: Vec<String> = std::fs::read_dir(&dir)
        .expect("k8s/base")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name != "kustomization.yaml")
        .collect();
    committed.sort_unstable();
    let expected: Vec<&String> = rendered.keys().collect();
    assert_eq!(
        committed.iter().collect::<Vec<_>>(),
        expected,
        "regenerate with GOLMOK_UPDATE_SCHEMAS=1"
    );
    for (name, object) in &rendered {
        let text = std::fs::read_to_string(dir.join(name)).expect("a base file");
        assert_eq!(
            &objects(&text)[0],
            object,
            "k8s/base/{name} differs from the chart: regenerate with GOLMOK_UPDATE_SCHEMAS=1"
        );
    }
    assert_eq!(
        std::fs::read_to_string(dir.join("kustomization.yaml")).expect("kustomization.yaml"),
        kustomization
    );
}

/// `kubectl kustomize k8s/overlays/<overlay>`.
pub fn kustomize(overlay: &str) -> String {
    let dir = repo().join("k8s/overlays").join(overlay);
    succeeded(
        &format!("kubectl kustomize k8s/overlays/{overlay}"),
        golmok_testkit::k8s_tool(
            "kubectl",
            &["kustomize", dir.to_str().expect("a UTF-8 path")],
        ),
    )
}

/// What must be the same in the chart's and an overlay's pods.
fn workload_shape(deployment: &Value) -> Value {
    let pod = pod_spec(deployment);
    let containers: Vec<Value> = pod["containers"]
        .as_array()
        .expect("containers")
        .iter()
        .map(|c| {
            serde_json::json!({
                "name": c["name"], "args": c["args"], "env": c["env"], "ports": c["ports"],
                "livenessProbe": c["livenessProbe"], "readinessProbe": c["readinessProbe"],
                "startupProbe": c["startupProbe"], "securityContext": c["securityContext"],
                "volumeMounts": c["volumeMounts"],
            })
        })
        .collect();
    serde_json::json!({
        "containers": containers,
        "securityContext": pod["securityContext"],
        "volumes": pod["volumes"],
        "serviceAccountName": pod["serviceAccountName"],
        "automountServiceAccountToken": pod["automountServiceAccountToken"],
        "labels": deployment["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/component"],
    })
}

#[test]
fn the_dev_and_prod_overlays_validate_and_keep_the_charts_workloads() {
    let chart = objects(&helm_template(&["--set", BASE_VALUES]));
    for (overlay, namespace) in [("dev", "golmok-dev"), ("prod", "golmok")] {
        let yaml = kustomize(overlay);
        kubeconform(&format!("k8s/overlays/{overlay}"), &yaml);
        let rendered = objects(&yaml);
        for object in &rendered {
            assert_eq!(
                object["metadata"]["namespace"], namespace,
                "{overlay}: {}",
                object["metadata"]["name"]
            );
        }
        let deployments = of_kind(&chart, "Deployment");
        assert_eq!(
            of_kind(&rendered, "Deployment").len(),
            deployments.len(),
            "{overlay}"
        );
        for deployment in deployments {
            let name = str_of(&deployment["metadata"]["name"]);
            let theirs = named(&rendered, "Deployment", name);
            assert_eq!(
                workload_shape(theirs),
                workload_shape(deployment),
                "{overlay}: {name}"
            );
            let image = str_of(&pod_spec(theirs)["containers"][0]["image"]);
            let expected = if overlay == "dev" {
                "golmok:dev"
            } else {
                "registry.example.com/golmok:0.1.0"
            };
            assert_eq!(image, expected, "{overlay}: {name}");
            for container in pod_spec(theirs)["containers"]
                .as_array()
                .expect("containers")
            {
                assert!(
                    !container["resources"]["limits"]["memory"].is_null(),
                    "{overlay}: {name}"
                );
            }
        }
        // The same network policies, services and settings.
        for kind in ["NetworkPolicy", "Service", "ConfigMap", "ServiceAccount"] {
            let mut ours: Vec<(&Value, &Value)> = of_kind(&chart, kind)
                .iter()
                .map(|o| (&o["metadata"]["name"], &o["spec"]))
                .collect();
            let mut theirs: Vec<(&Value, &Value)> = of_kind(&rendered, kind)
                .iter()
                .map(|o| (&o["metadata"]["name"], &o["spec"]))
                .collect();
            ours.sort_by_key(|(name, _)| str_of(name).to_owned());
            theirs.sort_by_key(|(name, _)| str_of(name).to_owned());
            assert_eq!(theirs, ours, "{overlay}: {kind}");
        }
        assert_eq!(
            named(&rendered, "ConfigMap", "golmok")["data"],
            named(&chart, "ConfigMap", "golmok")["data"]
        );
        match overlay {
            "dev" => {
                // One replica each, and so no autoscaler or disruption budget.
                for deployment in of_kind(&rendered, "Deployment") {
                    assert_eq!(
                        deployment["spec"]["replicas"], 1,
                        "{}",
                        deployment["metadata"]["name"]
                    );
                }
                assert!(of_kind(&rendered, "HorizontalPodAutoscaler").is_empty());
                assert!(of_kind(&rendered, "PodDisruptionBudget").is_empty());
            }
            _ => {
                for hpa in of_kind(&rendered, "HorizontalPodAutoscaler") {
                    assert_eq!(hpa["spec"]["minReplicas"], 3);
                }
                assert_eq!(of_kind(&rendered, "HorizontalPodAutoscaler").len(), 4);
                for pdb in of_kind(&rendered, "PodDisruptionBudget") {
                    assert_eq!(pdb["spec"]["minAvailable"], 2);
                }
            }
        }
    }
}
