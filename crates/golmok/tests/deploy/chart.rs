//! charts/golmok: helm lint, helm template with the default and production values,
//! every rendered manifest validated by kubeconform, and RELIABILITY 20's checks
//! over the rendered objects.

use std::path::Path;
use std::process::{Command, Output};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use golmok_testkit::k8s_tool;
use serde_json::Value;

use crate::support::{
    RELEASE, chart, containers, egress_ports, helm_template, kubeconform, kubeconform_output,
    named, objects, of_kind, pod_spec, production_values, selects, str_of, succeeded,
};

/// The services of crates/golmok/src/registry.rs and their ports.
const SERVICES: [(&str, u64); 3] = [
    ("storefront", 8081),
    ("voucher", 8082),
    ("creator-media", 8083),
];
/// The consumers of other services' events (their handlers' names), whose dead
/// letters go to `<consumer>.dlq.v1`.
const CONSUMERS: [&str; 6] = [
    "storefront.voucher",
    "storefront.creator-media",
    "voucher.directory",
    "voucher.order_payments",
    "creator-media.merchants",
    "creator-media.order_commissions",
];

/// The default rendering and the production one.
fn renderings() -> Vec<(&'static str, Vec<Value>)> {
    let production = production_values();
    let production = production.to_str().expect("a UTF-8 path");
    vec![
        ("default values", objects(&helm_template(&[]))),
        (
            "production values",
            objects(&helm_template(&["--values", production])),
        ),
    ]
}

#[test]
fn helm_lint_passes_with_the_default_and_the_production_values() {
    let chart = chart();
    let chart = chart.to_str().expect("a UTF-8 path");
    let production = production_values();
    let production = production.to_str().expect("a UTF-8 path");
    for args in [
        vec!["lint", "--strict", chart],
        vec!["lint", "--strict", chart, "--values", production],
    ] {
        let output = succeeded(&format!("helm {}", args.join(" ")), k8s_tool("helm", &args));
        assert!(output.contains("0 chart(s) failed"), "{output}");
    }
}

#[test]
fn every_rendered_manifest_validates_strictly_against_the_cluster_schemas() {
    let production = production_values();
    let production = production.to_str().expect("a UTF-8 path");
    for (what, args) in [
        ("default values", vec![]),
        ("production values", vec!["--values", production]),
        (
            "without autoscaling, disruption budgets, policies or the migrate Job",
            vec![
                "--set",
                "gateway.autoscaling.enabled=false,networkPolicy.enabled=false,migrate.enabled=false",
                "--set",
                "services.voucher.podDisruptionBudget.enabled=false,services.voucher.autoscaling.enabled=false",
            ],
        ),
    ] {
        let yaml = helm_template(&args);
        let valid = kubeconform(what, &yaml);
        assert!(valid >= 16, "{what}: only {valid} objects");
    }
}

/// The schemas are strict: a misspelt field or a wrong type fails validation.
#[test]
fn kubeconform_refuses_a_misspelt_field_and_a_wrong_type() {
    let yaml = helm_template(&[]);
    for (from, to) in [
        (
            "readOnlyRootFilesystem: true",
            "readOnlyRootFileSystem: true",
        ),
        ("periodSeconds: 10", "periodSeconds: \"10\""),
        (
            "- name: http\n              containerPort: 8080",
            "- name: http\n              containerPort: 8080\n              hostPort: x",
        ),
    ] {
        assert!(yaml.contains(from), "{from}");
        let output = kubeconform_output(&yaml.replacen(from, to, 1));
        assert!(!output.status.success(), "{to} passed validation");
        let report = String::from_utf8_lossy(&output.stdout);
        assert!(report.contains("\"invalid\": 1"), "{to}: {report}");
    }
}

#[test]
fn a_misspelt_or_invalid_value_is_refused_by_the_values_schema() {
    for (set, says) in [
        ("gateway.replicaCout=3", "replicaCout"),
        ("scylla.consistency=MOST", "consistency"),
        ("kafka.bootstrapServers=kafka", "bootstrapServers"),
        ("services.ledger.enabled=true", "ledger"),
        ("gateway.corsAllowedOrigins[0]=*", "corsAllowedOrigins"),
        ("auth.signingKey=c2hvcnQ=", "signingKey"),
        (
            "telemetry.otlpEndpoint=https://collector:4318",
            "otlpEndpoint",
        ),
        ("telemetry.samplingRatio=2", "samplingRatio"),
    ] {
        let chart = chart();
        let output = k8s_tool(
            "helm",
            &[
                "template",
                RELEASE,
                chart.to_str().expect("a UTF-8 path"),
                "--set",
                set,
            ],
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{set} was accepted");
        assert!(
            stderr.contains("values don't meet the specifications of the schema")
                && stderr.contains(says),
            "{set}: {stderr}"
        );
    }
}

/// RELIABILITY 20: every workload non-root, read-only root filesystem, dropped
/// capabilities, requests and limits, and (long-running ones) probes.
#[test]
fn every_workload_runs_locked_down_with_resources_and_probes() {
    for (what, objects) in renderings() {
        let workloads: Vec<&Value> = objects
            .iter()
            .filter(|o| {
                ["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"]
                    .contains(&str_of(&o["kind"]))
            })
            .collect();
        assert_eq!(
            workloads.len(),
            5,
            "{what}: the gateway, 3 services and the migrate Job"
        );
        for workload in workloads {
            let name = format!(
                "{what}: {} {}",
                workload["kind"], workload["metadata"]["name"]
            );
            let pod = pod_spec(workload);
            assert_eq!(pod["securityContext"]["runAsNonRoot"], true, "{name}");
            assert_ne!(pod["securityContext"]["runAsUser"], 0, "{name}");
            assert_eq!(
                pod["securityContext"]["seccompProfile"]["type"], "RuntimeDefault",
                "{name}"
            );
            assert_eq!(pod["automountServiceAccountToken"], false, "{name}");
            assert!(
                pod.get("hostNetwork").is_none() && pod.get("hostPID").is_none(),
                "{name}"
            );
            let containers = containers(pod);
            assert!(!containers.is_empty(), "{name}");
            for container in containers {
                let name = format!("{name} container {}", container["name"]);
                let security = &container["securityContext"];
                assert_eq!(security["runAsNonRoot"], true, "{name}");
                assert_eq!(security["readOnlyRootFilesystem"], true, "{name}");
                assert_eq!(security["allowPrivilegeEscalation"], false, "{name}");
                assert_eq!(
                    security["capabilities"]["drop"],
                    serde_json::json!(["ALL"]),
                    "{name}"
                );
                assert!(security["capabilities"].get("add").is_none(), "{name}");
                assert!(
                    security.get("privileged").is_none_or(|p| p == false),
                    "{name}"
                );
                for bound in ["requests", "limits"] {
                    for resource in ["cpu", "memory"] {
                        assert!(
                            !container["resources"][bound][resource].is_null(),
                            "{name}: no {bound}.{resource}"
                        );
                    }
                }
                // Writable places are volumes: the data directory and /tmp.
                let mounts: Vec<&str> = container["volumeMounts"]
                    .as_array()
                    .expect("volume mounts")
                    .iter()
                    .map(|m| str_of(&m["mountPath"]))
                    .collect();
                assert!(
                    mounts.contains(&"/tmp") && mounts.contains(&"/var/lib/golmok"),
                    "{name}: {mounts:?}"
                );
                if workload["kind"] == "Deployment" {
                    for (probe, path) in
                        [("livenessProbe", "/livez"), ("readinessProbe", "/readyz")]
                    {
                        let get = &container[probe]["httpGet"];
                        assert_eq!(
                            (&get["path"], &get["port"]),
                            (&path.into(), &"http".into()),
                            "{name}: {probe}"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn each_process_is_golmok_serve_of_its_service_on_kafka_behind_its_own_service() {
    for (what, objects) in renderings() {
        let deployments = of_kind(&objects, "Deployment");
        let mut names: Vec<&str> = deployments
            .iter()
            .map(|d| str_of(&d["metadata"]["name"]))
            .collect();
        names.sort_unstable();
        assert_eq!(
            names,
            [
                "golmok-creator-media",
                "golmok-gateway",
                "golmok-storefront",
                "golmok-voucher"
            ],
            "{what}"
        );
        for (component, port) in SERVICES.into_iter().chain([("gateway", 8080)]) {
            let deployment = named(&objects, "Deployment", &format!("golmok-{component}"));
            let container = &pod_spec(deployment)["containers"][0];
            let args: Vec<&str> = container["args"]
                .as_array()
                .expect("args")
                .iter()
                .map(str_of)
                .collect();
            assert_eq!(&args[..2], ["serve", component], "{what}");
            for pair in [
                ["--bus", "kafka"],
                ["--config", "/etc/golmok/golmok.toml"],
                ["--data-dir", "/var/lib/golmok"],
            ] {
                assert!(
                    args.windows(2).any(|w| w == pair),
                    "{what} {component}: {args:?}"
                );
            }
            assert!(args.contains(&"--brokers"), "{what} {component}: {args:?}");
            assert_eq!(
                container["ports"][0]["containerPort"], port,
                "{what} {component}"
            );
            let labels = &deployment["spec"]["template"]["metadata"]["labels"];
            assert_eq!(labels["app.kubernetes.io/component"], component, "{what}");
            let service = named(&objects, "Service", &format!("golmok-{component}"));
            assert!(
                selects(
                    &serde_json::json!({"matchLabels": service["spec"]["selector"]}),
                    labels
                ),
                "{what} {component}"
            );
            assert!(
                selects(&deployment["spec"]["selector"], labels),
                "{what} {component}"
            );
            for kind in ["HorizontalPodAutoscaler", "PodDisruptionBudget"] {
                let object = named(&objects, kind, &format!("golmok-{component}"));
                if kind == "PodDisruptionBudget" {
                    assert!(
                        selects(&object["spec"]["selector"], labels),
                        "{what} {component}"
                    );
                } else {
                    assert_eq!(
                        object["spec"]["scaleTargetRef"]["name"],
                        deployment["metadata"]["name"]
                    );
                    assert!(
                        deployment["spec"].get("replicas").is_none(),
                        "{what}: the HPA owns replicas"
                    );
                }
            }
            // Settings and key are mounted where `golmok serve` reads them.
            let volumes = pod_spec(deployment)["volumes"].as_array().expect("volumes");
            let secret = volumes
                .iter()
                .find(|v| v["name"] == "signing-key")
                .expect("the signing key volume");
            let mounts: Vec<&Value> = container["volumeMounts"]
                .as_array()
                .expect("mounts")
                .iter()
                .filter(|m| m["name"] == "signing-key")
                .collect();
            // The token key, and the actor-assertion key the gateway signs its
            // calls with and every service verifies them with.
            for (n, key) in ["jwt-signing.key", "actor-assertion.key"]
                .iter()
                .enumerate()
            {
                assert_eq!(secret["secret"]["items"][n]["key"], *key, "{what}");
                assert_eq!(
                    mounts[n]["mountPath"],
                    format!("/var/lib/golmok/{key}"),
                    "{what}"
                );
            }
        }
    }
}

/// Every object carries the standard labels; each component's its own.
#[test]
fn every_object_has_the_standard_labels() {
    for (what, objects) in renderings() {
        for object in &objects {
            let labels = &object["metadata"]["labels"];
            for key in [
                "app.kubernetes.io/name",
                "app.kubernetes.io/instance",
                "app.kubernetes.io/version",
                "app.kubernetes.io/managed-by",
                "app.kubernetes.io/part-of",
                "helm.sh/chart",
            ] {
                assert!(
                    labels[key].is_string(),
                    "{what}: {} {} lacks {key}",
                    object["kind"],
                    object["metadata"]["name"]
                );
            }
            assert_eq!(labels["app.kubernetes.io/instance"], RELEASE);
        }
    }
}

/// RELIABILITY 20: a default-deny NetworkPolicy, explicit allows, and only the
/// gateway reaches a service.
#[test]
fn network_policies_deny_by_default_and_let_only_the_gateway_reach_the_services() {
    for (what, objects) in renderings() {
        let policies = of_kind(&objects, "NetworkPolicy");
        let deny = named(&objects, "NetworkPolicy", "golmok-default-deny");
        assert_eq!(
            deny["spec"]["policyTypes"],
            serde_json::json!(["Ingress", "Egress"]),
            "{what}"
        );
        assert!(
            deny["spec"].get("ingress").is_none() && deny["spec"].get("egress").is_none(),
            "{what}"
        );
        let gateway_labels = &named(&objects, "Deployment", "golmok-gateway")["spec"]["template"]["metadata"]
            ["labels"];
        for workload in of_kind(&objects, "Deployment")
            .into_iter()
            .chain(of_kind(&objects, "Job"))
        {
            let labels = &workload["spec"]["template"]["metadata"]["labels"];
            let component = str_of(&labels["app.kubernetes.io/component"]);
            assert!(
                selects(&deny["spec"]["podSelector"], labels),
                "{what}: {component} not under the default deny"
            );
            let applying: Vec<&&Value> = policies
                .iter()
                .filter(|p| {
                    selects(&p["spec"]["podSelector"], labels)
                        && p["metadata"]["name"] != "golmok-default-deny"
                })
                .collect();
            assert_eq!(
                applying.len(),
                1,
                "{what}: one allow policy for {component}"
            );
            let allow = &applying[0]["spec"];
            // Egress: cluster DNS, the Kafka brokers and (services, migrate) the CQL nodes.
            let egress_ports = egress_ports(allow);
            assert!(
                egress_ports.contains(&53) && egress_ports.contains(&9092),
                "{what} {component}: {egress_ports:?}"
            );
            let ingress = allow["ingress"].as_array().expect("ingress rules");
            match component {
                "gateway" => {
                    assert_eq!(ingress.len(), 1, "{what}");
                    assert!(
                        !ingress[0]["from"].as_array().expect("peers").is_empty(),
                        "{what}: the gateway is reachable from the ingress"
                    );
                    for (service, port) in SERVICES {
                        let reaches = allow["egress"].as_array().expect("egress").iter().any(|rule| {
                            rule["ports"][0]["port"] == port
                                && rule["to"].as_array().expect("peers").iter().any(|peer| {
                                    peer["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == service
                                })
                        });
                        assert!(reaches, "{what}: the gateway may not reach {service}");
                    }
                }
                "migrate" => {
                    assert!(
                        ingress.is_empty(),
                        "{what}: nothing reaches the migrate Job"
                    );
                    assert!(egress_ports.contains(&9042), "{what}");
                }
                service => {
                    let port = SERVICES
                        .iter()
                        .find(|(s, _)| *s == service)
                        .expect("a service")
                        .1;
                    assert!(egress_ports.contains(&9042), "{what} {service}: CQL");
                    assert_eq!(ingress.len(), 1, "{what} {service}");
                    assert_eq!(
                        ingress[0]["ports"],
                        serde_json::json!([{"port": "http", "protocol": "TCP"}])
                    );
                    assert_eq!(
                        workload["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"],
                        port
                    );
                    let peers = ingress[0]["from"].as_array().expect("peers");
                    assert_eq!(peers.len(), 1, "{what} {service}: only the gateway");
                    let peer = &peers[0];
                    assert!(
                        peer.get("namespaceSelector").is_none() && peer.get("ipBlock").is_none(),
                        "{what} {service}: {peer}"
                    );
                    assert!(
                        selects(&peer["podSelector"], gateway_labels),
                        "{what} {service}: {peer}"
                    );
                    // …and no other component's pods match that selector.
                    for other in of_kind(&objects, "Deployment") {
                        let labels = &other["spec"]["template"]["metadata"]["labels"];
                        if labels["app.kubernetes.io/component"] != "gateway" {
                            assert!(
                                !selects(&peer["podSelector"], labels),
                                "{what} {service}: {peer}"
                            );
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn the_migrate_job_is_a_pre_install_and_pre_upgrade_hook_running_both_migrations() {
    for (what, objects) in renderings() {
        let job = named(&objects, "Job", "golmok-migrate");
        let annotations = &job["metadata"]["annotations"];
        assert_eq!(
            annotations["helm.sh/hook"], "pre-install,pre-upgrade",
            "{what}"
        );
        let pod = pod_spec(job);
        let kafka: Vec<&str> = pod["initContainers"][0]["args"]
            .as_array()
            .expect("args")
            .iter()
            .map(str_of)
            .collect();
        let voucher =
            &pod_spec(named(&objects, "Deployment", "golmok-voucher"))["containers"][0]["args"];
        let voucher: Vec<&str> = voucher
            .as_array()
            .expect("args")
            .iter()
            .map(str_of)
            .collect();
        let brokers = voucher
            .windows(2)
            .find(|w| w[0] == "--brokers")
            .expect("--brokers")[1];
        assert_eq!(
            &kafka[..4],
            ["migrate", "kafka", "--brokers", brokers],
            "{what}"
        );
        let cql: Vec<&str> = pod["containers"][0]["args"]
            .as_array()
            .expect("args")
            .iter()
            .map(str_of)
            .collect();
        assert_eq!(
            cql,
            [
                "migrate",
                "scylla",
                "--config",
                "/etc/golmok/golmok.toml",
                "--data-dir",
                "/var/lib/golmok"
            ],
            "{what}"
        );
        // Its settings are a hook of their own (the release's ConfigMap comes after
        // pre-install hooks), with the same content, created before the Job.
        let hook_settings = named(&objects, "ConfigMap", "golmok-migrate");
        assert_eq!(
            hook_settings["data"],
            named(&objects, "ConfigMap", "golmok")["data"],
            "{what}"
        );
        let weight = |o: &Value| {
            str_of(&o["metadata"]["annotations"]["helm.sh/hook-weight"])
                .parse::<i32>()
                .expect("a weight")
        };
        assert!(weight(hook_settings) < weight(job), "{what}");
        assert_eq!(
            pod["volumes"][0]["configMap"]["name"], "golmok-migrate",
            "{what}"
        );
        assert_eq!(pod["restartPolicy"], "Never");
    }
}

/// The settings the chart writes are read by the real binary, which refuses unknown
/// keys; the generated signing key is one the binary accepts.
#[test]
fn golmok_accepts_the_settings_and_the_signing_key_the_chart_writes() {
    let dir = tempfile::tempdir().expect("temporary directory");
    for (what, objects) in renderings() {
        let settings = str_of(&named(&objects, "ConfigMap", "golmok")["data"]["golmok.toml"]);
        for (service, port) in SERVICES {
            assert!(
                settings.contains(&format!("listen = \"0.0.0.0:{port}\"")),
                "{what}: {settings}"
            );
            assert!(
                settings.contains(&format!("{service} = \"http://golmok-{service}:{port}\"")),
                "{what}: {settings}"
            );
        }
        let data = dir.path().join(what.replace(' ', "-"));
        std::fs::create_dir_all(&data).expect("a data directory");
        if let Some(secret) = of_kind(&objects, "Secret").first() {
            let text = STANDARD
                .decode(str_of(&secret["data"]["jwt-signing.key"]))
                .expect("base64");
            let key = STANDARD
                .decode(&text)
                .expect("the key file is base64 of the key");
            assert!(key.len() >= 32, "{what}: a {}-byte key", key.len());
            std::fs::write(data.join("jwt-signing.key"), &text).expect("write the key");
            let assertion = STANDARD
                .decode(str_of(&secret["data"]["actor-assertion.key"]))
                .expect("base64");
            std::fs::write(data.join("actor-assertion.key"), &assertion).expect("write the key");
            let output = Command::new(env!("CARGO_BIN_EXE_golmok"))
                .args(["token", "--service", "storefront", "--role", "operator"])
                .arg("--data-dir")
                .arg(&data)
                .output()
                .expect("run golmok");
            succeeded(
                &format!("golmok signs with the {what}' actor-assertion key"),
                output,
            );
        }
        succeeded(
            &format!("golmok token with the {what}' settings"),
            token_with_settings(settings, &data),
        );
    }
    // Extra settings reach the file, and a misspelt one stops the binary.
    let objects = objects(&helm_template(&[
        "--set",
        "settings.voucher.hold_timeout_secs=600,settings.voucher.colour=red",
    ]));
    let settings = str_of(&named(&objects, "ConfigMap", "golmok")["data"]["golmok.toml"]);
    assert!(settings.contains("hold_timeout_secs = 600"), "{settings}");
    let output = token_with_settings(settings, dir.path());
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("colour"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `golmok token --role operator` run with `settings` as its settings file, which the
/// binary reads and checks at start (unknown keys and bad values refused).
fn token_with_settings(settings: &str, data: &Path) -> Output {
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = dir.path().join("golmok.toml");
    std::fs::write(&file, settings).expect("write the settings");
    Command::new(env!("CARGO_BIN_EXE_golmok"))
        .args(["token", "--role", "operator", "--config"])
        .arg(&file)
        .arg("--data-dir")
        .arg(data)
        .output()
        .expect("run golmok")
}

/// `telemetry.otlpEndpoint` turns traces on in the settings the binary reads, and lets
/// each `golmok serve` process (only those) reach the collector through its policy.
#[test]
fn an_otlp_endpoint_turns_traces_on_and_opens_egress_to_the_collector() {
    let collector = |objects: &[Value], component: &str| {
        let policy = named(objects, "NetworkPolicy", &format!("golmok-{component}"));
        policy["spec"]["egress"]
            .as_array()
            .expect("egress rules")
            .iter()
            .any(|rule| {
                rule["ports"][0]["port"] == 4318
                    && rule["to"][0]["podSelector"]["matchLabels"]["app.kubernetes.io/name"]
                        == "opentelemetry-collector"
            })
    };
    let serving = ["gateway", "storefront", "voucher", "creator-media"];
    let defaults = objects(&helm_template(&[]));
    let settings = str_of(&named(&defaults, "ConfigMap", "golmok")["data"]["golmok.toml"]);
    assert!(!settings.contains("[telemetry]"), "{settings}");
    for component in serving.iter().chain(&["migrate"]) {
        assert!(!collector(&defaults, component), "{component}");
    }

    let dir = tempfile::tempdir().expect("temporary directory");
    let endpoint = "telemetry.otlpEndpoint=http://otel-collector.observability:4318";
    // (`--set` passes a fraction as a string; `--set-json` as a number.)
    for (set, ratio) in [
        (vec!["--set", endpoint], "1"),
        (
            vec![
                "--set",
                endpoint,
                "--set-json",
                "telemetry.samplingRatio=0.25",
            ],
            "0.25",
        ),
    ] {
        let set = &set.join(" ");
        let yaml = helm_template(&set.split(' ').collect::<Vec<_>>());
        kubeconform(set, &yaml);
        let objects = objects(&yaml);
        let settings = str_of(&named(&objects, "ConfigMap", "golmok")["data"]["golmok.toml"]);
        let lines: Vec<&str> = settings.lines().map(str::trim).collect();
        let telemetry = lines
            .iter()
            .position(|line| *line == "[telemetry]")
            .unwrap_or_else(|| panic!("{set}: no [telemetry] in {settings}"));
        assert_eq!(
            lines[telemetry + 1..telemetry + 3],
            [
                "otlp_endpoint = \"http://otel-collector.observability:4318\"",
                &format!("sampling_ratio = {ratio}"),
            ],
            "{set}: {settings}"
        );
        for component in serving {
            assert!(collector(&objects, component), "{set}: {component}");
        }
        assert!(!collector(&objects, "migrate"), "{set}: the migrate Job");
        // The binary reads the section (and would refuse a bad value at start).
        succeeded(
            &format!("golmok token with {set}"),
            token_with_settings(settings, dir.path()),
        );
    }
}

#[test]
fn no_service_account_token_and_no_role_binding() {
    for (what, objects) in renderings() {
        let account = named(&objects, "ServiceAccount", "golmok");
        assert_eq!(account["automountServiceAccountToken"], false, "{what}");
        for kind in ["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"] {
            assert!(of_kind(&objects, kind).is_empty(), "{what}: a {kind}");
        }
        for deployment in of_kind(&objects, "Deployment") {
            assert_eq!(
                pod_spec(deployment)["serviceAccountName"],
                "golmok",
                "{what}"
            );
        }
    }
}

/// The Strimzi topics and the ScyllaCluster (production values) name what the
/// processes use; no schema is reachable for the topics, so their shape is checked
/// here (kubeconform checks the ScyllaCluster against the Scylla Operator's CRD).
#[test]
fn the_strimzi_topics_and_the_scylla_cluster_match_what_the_processes_use() {
    let (_, production) = renderings().pop().expect("the production rendering");
    let objects = production;
    let topics = of_kind(&objects, "KafkaTopic");
    let mut names: Vec<&str> = topics
        .iter()
        .map(|t| str_of(&t["spec"]["topicName"]))
        .collect();
    names.sort_unstable();
    let mut expected: Vec<String> = SERVICES
        .iter()
        .map(|(service, _)| format!("golmok.{service}.events.v1"))
        .chain(
            CONSUMERS
                .iter()
                .map(|consumer| format!("{consumer}.dlq.v1")),
        )
        .collect();
    expected.sort_unstable();
    assert_eq!(names, expected);
    for topic in topics {
        assert_eq!(topic["apiVersion"], "kafka.strimzi.io/v1beta2");
        assert_eq!(topic["metadata"]["labels"]["strimzi.io/cluster"], "golmok");
        let name = str_of(&topic["metadata"]["name"]);
        assert!(
            name.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-'),
            "{name}"
        );
        assert_eq!(topic["spec"]["replicas"], 3);
        let dlq = str_of(&topic["spec"]["topicName"]).ends_with(".dlq.v1");
        assert_eq!(topic["spec"]["partitions"], if dlq { 1 } else { 24 });
        assert_eq!(topic["spec"]["config"]["retention.ms"], "-1");
    }
    let scylla = of_kind(&objects, "ScyllaCluster");
    assert_eq!(scylla.len(), 1);
    assert_eq!(scylla[0]["apiVersion"], "scylla.scylladb.com/v1");
    let client = format!("{}-client:9042", str_of(&scylla[0]["metadata"]["name"]));
    let settings = str_of(&named(&objects, "ConfigMap", "golmok")["data"]["golmok.toml"]);
    assert!(
        settings.contains(&client),
        "the services use the ScyllaCluster's client Service: {settings}"
    );
    assert_eq!(scylla[0]["spec"]["datacenter"]["racks"][0]["members"], 3);
    // The default values render neither.
    let defaults = crate::support::objects(&helm_template(&[]));
    for kind in ["KafkaTopic", "ScyllaCluster"] {
        assert!(of_kind(&defaults, kind).is_empty(), "{kind}");
    }
}
