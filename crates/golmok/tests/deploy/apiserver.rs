//! The chart installed into a real kube-apiserver on etcd (no kubelet: the objects
//! are stored and validated, no pod runs).
//!
//! The pre-install migrate Job never completes by itself without a kubelet to run its
//! pod, and Helm waits for a hook Job: one test installs with `--no-hooks` (the hook
//! objects then go to the API server as a server-side dry run, which validates them as
//! on create), the other with the hooks, completing the Job as the Job controller
//! would.

use std::process::Output;

use golmok_testkit::{KubeApiServer, k8s_crd};
use serde_json::Value;

use crate::support::{
    NAMESPACE, RELEASE, chart, helm_template, named, objects, pod_spec, production_values, str_of,
    succeeded,
};

/// The release's objects of `resource` in the namespace, as the API server returns them.
fn listed(cluster: &KubeApiServer, resource: &str) -> Vec<Value> {
    let selector = format!("app.kubernetes.io/instance={RELEASE}");
    let json = succeeded(
        &format!("kubectl get {resource}"),
        cluster.kubectl(&[
            "get", resource, "-n", NAMESPACE, "-l", &selector, "-o", "json",
        ]),
    );
    let list: Value = serde_json::from_str(&json).expect("a JSON list");
    list["items"].as_array().expect("items").clone()
}

fn names(items: &[Value]) -> Vec<String> {
    let mut names: Vec<String> = items
        .iter()
        .map(|o| str_of(&o["metadata"]["name"]).to_owned())
        .collect();
    names.sort_unstable();
    names
}

/// `kubectl apply --dry-run=server --validate=strict` of `yaml`: the API server
/// validates every object (unknown fields refused) and stores none.
fn server_dry_run(cluster: &KubeApiServer, what: &str, namespace: &str, yaml: &str) {
    let output = succeeded(
        &format!("server-side dry run of {what}"),
        server_dry_run_output(cluster, namespace, yaml),
    );
    assert!(output.contains("(server dry run)"), "{what}: {output}");
}

/// `kubectl apply --dry-run=server --validate=strict` of `yaml`, whatever its status.
fn server_dry_run_output(cluster: &KubeApiServer, namespace: &str, yaml: &str) -> Output {
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = dir.path().join("manifests.yaml");
    std::fs::write(&file, yaml).expect("write the manifests");
    cluster.kubectl(&[
        "apply",
        "--dry-run=server",
        "--validate=strict",
        "-n",
        namespace,
        "-f",
        file.to_str().expect("a UTF-8 path"),
    ])
}

/// A fresh API server with the release's namespace.
fn cluster_with_namespace() -> KubeApiServer {
    let cluster = KubeApiServer::start();
    succeeded(
        "create the namespace",
        cluster.kubectl(&["create", "namespace", NAMESPACE]),
    );
    cluster
}

#[test]
fn helm_installs_upgrades_and_uninstalls_the_chart_on_a_real_api_server() {
    let cluster = cluster_with_namespace();
    let chart = chart();
    let chart = chart.to_str().expect("a UTF-8 path");

    let installed = succeeded(
        "helm install",
        cluster.helm(&[
            "install",
            RELEASE,
            chart,
            "--namespace",
            NAMESPACE,
            "--no-hooks",
        ]),
    );
    assert!(installed.contains("STATUS: deployed"), "{installed}");
    let rendered = objects(&helm_template(&[]));

    // Every object the chart renders (hooks aside) is stored, with the spec rendered.
    let deployments = listed(&cluster, "deployments");
    assert_eq!(
        names(&deployments),
        [
            "golmok-creator-media",
            "golmok-gateway",
            "golmok-storefront",
            "golmok-voucher"
        ]
    );
    for deployment in &deployments {
        let name = str_of(&deployment["metadata"]["name"]);
        let ours = named(&rendered, "Deployment", name);
        let (stored, rendered) = (
            &pod_spec(deployment)["containers"][0],
            &pod_spec(ours)["containers"][0],
        );
        for field in [
            "args",
            "ports",
            "securityContext",
            "volumeMounts",
            "resources",
        ] {
            assert_eq!(stored[field], rendered[field], "{name}: {field}");
        }
        for probe in ["livenessProbe", "readinessProbe"] {
            // The API server adds defaults (`scheme: HTTP`, a fieldRef's `apiVersion`).
            for field in ["path", "port"] {
                assert_eq!(
                    stored[probe]["httpGet"][field], rendered[probe]["httpGet"][field],
                    "{name}: {probe}"
                );
            }
        }
        let env = |container: &Value| -> Vec<(Value, Value, Value)> {
            let list = container["env"].as_array().cloned().unwrap_or_default();
            list.iter()
                .map(|e| {
                    (
                        e["name"].clone(),
                        e["value"].clone(),
                        e["valueFrom"]["fieldRef"]["fieldPath"].clone(),
                    )
                })
                .collect()
        };
        assert_eq!(env(stored), env(rendered), "{name}: env");
        assert_eq!(
            pod_spec(deployment)["securityContext"],
            pod_spec(ours)["securityContext"],
            "{name}"
        );
        assert_eq!(
            pod_spec(deployment)["automountServiceAccountToken"],
            false,
            "{name}"
        );
        // No kubelet, no controller manager: nothing became available.
        assert!(
            deployment["status"].get("availableReplicas").is_none(),
            "{name}"
        );
    }
    let services = listed(&cluster, "services");
    assert_eq!(
        names(&services),
        [
            "golmok-creator-media",
            "golmok-gateway",
            "golmok-storefront",
            "golmok-voucher"
        ]
    );
    for service in &services {
        // The API server allocated each a cluster IP from --service-cluster-ip-range.
        assert!(
            str_of(&service["spec"]["clusterIP"]).starts_with("10.96.0."),
            "{service}"
        );
    }
    assert_eq!(
        names(&listed(&cluster, "networkpolicies")),
        [
            "golmok-creator-media",
            "golmok-default-deny",
            "golmok-gateway",
            "golmok-migrate",
            "golmok-storefront",
            "golmok-voucher"
        ]
    );
    for resource in ["horizontalpodautoscalers", "poddisruptionbudgets"] {
        assert_eq!(names(&listed(&cluster, resource)).len(), 4, "{resource}");
    }
    assert_eq!(
        names(&listed(&cluster, "configmaps")),
        ["golmok"],
        "the hook's ConfigMap is not installed with --no-hooks"
    );
    let account = &listed(&cluster, "serviceaccounts")[0];
    assert_eq!(account["automountServiceAccountToken"], false);
    assert!(listed(&cluster, "jobs").is_empty(), "no hook ran");
    let secret = |cluster: &KubeApiServer| {
        let data = &listed(cluster, "secrets")[0]["data"];
        (
            data["jwt-signing.key"].clone(),
            data["actor-assertion.key"].clone(),
        )
    };
    let key = secret(&cluster);
    assert!(key.0.is_string() && key.1.is_string() && key.0 != key.1);

    // An upgrade keeps the key the install generated (tokens stay valid).
    let upgraded = succeeded(
        "helm upgrade",
        cluster.helm(&[
            "upgrade",
            RELEASE,
            chart,
            "--namespace",
            NAMESPACE,
            "--no-hooks",
            "--set",
            "gateway.autoscaling.enabled=false,gateway.replicaCount=3",
        ]),
    );
    assert!(upgraded.contains("REVISION: 2"), "{upgraded}");
    assert_eq!(secret(&cluster), key, "the signing key changed on upgrade");
    let gateway = listed(&cluster, "deployments")
        .into_iter()
        .find(|d| d["metadata"]["name"] == "golmok-gateway")
        .expect("the gateway");
    assert_eq!(gateway["spec"]["replicas"], 3);
    assert_eq!(
        names(&listed(&cluster, "horizontalpodautoscalers")).len(),
        3
    );

    // The hooks and the production rendering pass the API server's own validation,
    // its ScyllaCluster too once the Scylla Operator's CRD is installed (Strimzi's
    // CRDs are not reachable from here: the KafkaTopics are left out).
    let hooks = helm_template(&["--show-only", "templates/migrate-job.yaml"]);
    server_dry_run(&cluster, "the migrate hook", NAMESPACE, &hooks);
    cluster.install_crd(&k8s_crd("scylla.scylladb.com_scyllaclusters.yaml"));
    let production = production_values();
    let production = helm_template(&[
        "--values",
        production.to_str().expect("a UTF-8 path"),
        "--set",
        "kafka.strimzi.enabled=false",
    ]);
    server_dry_run(&cluster, "the production values", NAMESPACE, &production);
    let scylla = production
        .split("\n---")
        .find(|doc| doc.contains("kind: ScyllaCluster"))
        .expect("the production values render a ScyllaCluster");
    let checked = server_dry_run_output(&cluster, NAMESPACE, scylla);
    assert!(
        String::from_utf8_lossy(&checked.stdout)
            .contains("scyllacluster.scylla.scylladb.com/golmok-scylla created (server dry run)"),
        "{checked:?}"
    );
    // The CRD's schema is enforced: a misspelt field is refused.
    let refused = server_dry_run_output(
        &cluster,
        NAMESPACE,
        &scylla.replacen("capacity: ", "capacty: ", 1),
    );
    assert!(
        !refused.status.success(),
        "a misspelt ScyllaCluster was accepted"
    );
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("capacty"),
        "{refused:?}"
    );
    // So do the kustomize overlays, in their namespaces.
    succeeded(
        "create the dev namespace",
        cluster.kubectl(&["create", "namespace", "golmok-dev"]),
    );
    for (overlay, namespace) in [("dev", "golmok-dev"), ("prod", NAMESPACE)] {
        let yaml = crate::kustomize::kustomize(overlay);
        server_dry_run(
            &cluster,
            &format!("k8s/overlays/{overlay}"),
            namespace,
            &yaml,
        );
    }

    let uninstalled = succeeded(
        "helm uninstall",
        cluster.helm(&["uninstall", RELEASE, "--namespace", NAMESPACE, "--wait"]),
    );
    assert!(uninstalled.contains("uninstalled"), "{uninstalled}");
    for resource in [
        "deployments",
        "services",
        "networkpolicies",
        "horizontalpodautoscalers",
        "poddisruptionbudgets",
        "configmaps",
        "secrets",
        "serviceaccounts",
    ] {
        assert!(
            listed(&cluster, resource).is_empty(),
            "{resource} left after uninstall"
        );
    }
}

/// With hooks: Helm creates the migrate Job's settings, then the Job, before any
/// Deployment, and waits for the Job. No kubelet runs its pod, so the test does what
/// the Job controller would once the pod succeeded: it marks the Job complete through
/// the status subresource. Helm then installs the release and deletes both hook
/// objects (`hook-succeeded`).
#[test]
fn the_migrate_hook_runs_before_the_release_and_is_removed_once_complete() {
    let cluster = cluster_with_namespace();
    let chart = chart();
    let chart = chart.to_str().expect("a UTF-8 path");
    let mut install = cluster
        .command(
            "helm",
            &[
                "install",
                RELEASE,
                chart,
                "--namespace",
                NAMESPACE,
                "--timeout",
                "120s",
            ],
        )
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start helm install");
    let started = std::time::Instant::now();
    let job = loop {
        if let Some(job) = listed(&cluster, "jobs").pop() {
            break job;
        }
        if let Ok(Some(status)) = install.try_wait() {
            panic!("helm install ended ({status}) before creating the migrate Job");
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "no migrate Job"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    assert_eq!(job["metadata"]["name"], "golmok-migrate");
    // The hook's settings came first; the release's objects wait for the hook.
    assert_eq!(names(&listed(&cluster, "configmaps")), ["golmok-migrate"]);
    assert!(listed(&cluster, "deployments").is_empty());
    assert!(listed(&cluster, "services").is_empty());
    let now = "2026-01-01T00:00:00Z";
    let later = "2026-01-01T00:00:05Z";
    let complete = serde_json::json!({"status": {
        "startTime": now,
        "completionTime": later,
        "succeeded": 1,
        "ready": 0,
        "terminating": 0,
        "conditions": [
            {"type": "SuccessCriteriaMet", "status": "True", "lastProbeTime": later, "lastTransitionTime": later},
            {"type": "Complete", "status": "True", "lastProbeTime": later, "lastTransitionTime": later},
        ],
    }});
    succeeded(
        "mark the migrate Job complete",
        cluster.kubectl(&[
            "patch",
            "job",
            "golmok-migrate",
            "-n",
            NAMESPACE,
            "--subresource=status",
            "--type=merge",
            "-p",
            &complete.to_string(),
        ]),
    );
    let output = install.wait_with_output().expect("helm install");
    let installed = succeeded("helm install with hooks", output);
    assert!(installed.contains("STATUS: deployed"), "{installed}");
    assert_eq!(listed(&cluster, "deployments").len(), 4);
    assert!(
        listed(&cluster, "jobs").is_empty(),
        "the completed hook Job is deleted"
    );
    assert_eq!(names(&listed(&cluster, "configmaps")), ["golmok"]);
}
