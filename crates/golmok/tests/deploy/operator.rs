//! `golmok operator` against a real kube-apiserver on etcd: the chart installs the
//! ReadModelRebuild CRD and the operator's Role, and `golmok operator run` runs as a
//! real process with a kubeconfig (the chart's ServiceAccount token where it matters,
//! so the Role is proven to be enough).
//!
//! No kubelet and no Job controller run here: the replay Job's pod never starts. The
//! tests do what the Job controller would once the pod ended: they mark the Job
//! complete or failed through its status subresource.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use golmok_testkit::KubeApiServer;
use serde_json::{Value, json};

use crate::support::{
    NAMESPACE, RELEASE, chart, containers, helm_template, kubeconform, named, objects, of_kind,
    pod_spec, str_of, succeeded,
};

/// The chart's ReadModelRebuild CRD (Helm installs crds/ before the templates).
const SHIPPED_CRD: &str = "crds/readmodelrebuilds.golmok.io.yaml";
/// The chart's operator Lease and ServiceAccount.
const OPERATOR: &str = "golmok-operator";
/// A short Lease, so that takeovers happen within the tests' patience.
const LEASE_SECS: u64 = 4;
const PATIENCE: Duration = Duration::from_secs(30);

fn golmok() -> Command {
    Command::new(env!("CARGO_BIN_EXE_golmok"))
}

#[test]
fn the_crd_the_chart_ships_is_the_one_generated_from_the_types() {
    let output = golmok()
        .args(["operator", "crd"])
        .output()
        .expect("run golmok operator crd");
    let generated = succeeded("golmok operator crd", output);
    let path = chart().join(SHIPPED_CRD);
    if std::env::var_os("GOLMOK_UPDATE_SCHEMAS").is_some() {
        std::fs::write(&path, &generated).expect("write the CRD");
    }
    let shipped = std::fs::read_to_string(&path).expect("the shipped CRD");
    assert_eq!(
        shipped, generated,
        "{SHIPPED_CRD} differs from `golmok operator crd`: regenerate with GOLMOK_UPDATE_SCHEMAS=1"
    );
    kubeconform("the ReadModelRebuild CRD", &generated);
    let crd = &objects(&generated)[0];
    assert_eq!(crd["metadata"]["name"], "readmodelrebuilds.golmok.io");
    let version = &crd["spec"]["versions"][0];
    assert_eq!(version["name"], "v1alpha1");
    assert!(version["subresources"]["status"].is_object());
    let spec = &version["schema"]["openAPIV3Schema"]["properties"]["spec"];
    assert_eq!(spec["required"], json!(["service"]));
}

/// The operator's objects render only when enabled, validate, run locked down
/// (RELIABILITY 20) and hold exactly the permissions the operator uses.
#[test]
fn the_operator_workload_is_locked_down_and_its_role_is_what_it_calls() {
    let default = objects(&helm_template(&[]));
    assert!(
        default
            .iter()
            .all(|o| o["metadata"]["name"] != "golmok-operator"),
        "the operator is off by default"
    );
    let yaml = helm_template(&["--set", "operator.enabled=true"]);
    kubeconform("the chart with the operator", &yaml);
    let rendered = objects(&yaml);
    let deployment = named(&rendered, "Deployment", OPERATOR);
    let pod = pod_spec(deployment);
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
    assert_eq!(
        pod["securityContext"]["seccompProfile"]["type"],
        "RuntimeDefault"
    );
    assert_eq!(pod["serviceAccountName"], OPERATOR);
    assert_eq!(pod["automountServiceAccountToken"], true);
    for container in containers(pod) {
        let security = &container["securityContext"];
        assert_eq!(security["runAsNonRoot"], true);
        assert_eq!(security["readOnlyRootFilesystem"], true);
        assert_eq!(security["allowPrivilegeEscalation"], false);
        assert_eq!(security["capabilities"]["drop"], json!(["ALL"]));
        for bound in ["requests", "limits"] {
            for resource in ["cpu", "memory"] {
                assert!(!container["resources"][bound][resource].is_null());
            }
        }
        for (probe, path) in [("livenessProbe", "/livez"), ("readinessProbe", "/readyz")] {
            assert_eq!(container[probe]["httpGet"]["path"], path);
        }
        let args: Vec<&str> = container["args"]
            .as_array()
            .expect("args")
            .iter()
            .map(str_of)
            .collect();
        assert_eq!(&args[..4], ["operator", "run", "--lease-name", OPERATOR]);
    }
    // The other workloads still mount no token; only the operator's account has a role.
    for other in of_kind(&rendered, "Deployment") {
        if other["metadata"]["name"] != OPERATOR {
            assert_eq!(pod_spec(other)["automountServiceAccountToken"], false);
        }
    }
    let binding = named(&rendered, "RoleBinding", OPERATOR);
    assert_eq!(
        binding["subjects"],
        json!([{"kind": "ServiceAccount", "name": OPERATOR, "namespace": NAMESPACE}])
    );
    assert_eq!(binding["roleRef"]["name"], OPERATOR);
    assert!(of_kind(&rendered, "ClusterRole").is_empty());
    let rules: Vec<(String, String, Vec<String>)> = named(&rendered, "Role", OPERATOR)["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .map(|rule| {
            let strings = |key: &str| -> Vec<String> {
                rule[key]
                    .as_array()
                    .map(|a| a.iter().map(|s| str_of(s).to_owned()).collect())
                    .unwrap_or_default()
            };
            (
                strings("apiGroups").join(","),
                format!(
                    "{}{:?}",
                    strings("resources").join(","),
                    strings("resourceNames")
                ),
                strings("verbs"),
            )
        })
        .collect();
    let expected = [
        (
            "golmok.io",
            "readmodelrebuilds[]",
            vec!["get", "list", "watch", "patch"],
        ),
        ("golmok.io", "readmodelrebuilds/status[]", vec!["patch"]),
        (
            "batch",
            "jobs[]",
            vec!["get", "list", "watch", "create", "delete"],
        ),
        ("apps", "deployments[]", vec!["get", "list", "patch"]),
        ("", "pods[]", vec!["list"]),
        ("coordination.k8s.io", "leases[]", vec!["create"]),
        (
            "coordination.k8s.io",
            "leases[\"golmok-operator\"]",
            vec!["get", "update"],
        ),
        ("events.k8s.io", "events[]", vec!["create", "patch"]),
    ];
    let expected: Vec<(String, String, Vec<String>)> = expected
        .into_iter()
        .map(|(g, r, v)| {
            (
                g.to_owned(),
                r.to_owned(),
                v.into_iter().map(str::to_owned).collect(),
            )
        })
        .collect();
    assert_eq!(rules, expected);
    // Nothing reaches the operator; it reaches DNS and the API server only.
    let policy = &named(&rendered, "NetworkPolicy", OPERATOR)["spec"];
    assert_eq!(policy["ingress"], json!([]));
    let labels = &deployment["spec"]["template"]["metadata"]["labels"];
    assert!(crate::support::selects(&policy["podSelector"], labels));
    assert_eq!(crate::support::egress_ports(policy), [53, 53, 443, 6443]);
}

/// A running `golmok operator run`, killed (SIGKILL) on drop.
struct Operator {
    child: Child,
    identity: String,
    log: PathBuf,
}

impl Operator {
    fn start(kubeconfig: &Path, identity: &str, logs: &Path) -> Self {
        let log = logs.join(format!("{identity}.log"));
        let file = std::fs::File::create(&log).expect("the operator's log");
        let child = golmok()
            .args([
                "operator",
                "run",
                "--namespace",
                NAMESPACE,
                "--identity",
                identity,
            ])
            .args([
                "--lease-name",
                OPERATOR,
                "--lease-duration-secs",
                &LEASE_SECS.to_string(),
            ])
            .args(["--listen", "127.0.0.1:0"])
            .env("KUBECONFIG", kubeconfig)
            .env("GOLMOK_LOG", "info,golmok_operator=debug")
            .stdin(Stdio::null())
            .stdout(file.try_clone().expect("the log file"))
            .stderr(file)
            .spawn()
            .expect("start golmok operator run");
        Operator {
            child,
            identity: identity.to_owned(),
            log,
        }
    }

    /// SIGKILL: no chance to release the Lease.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn assert_running(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!(
                "operator {} exited ({status}):\n{}",
                self.identity,
                std::fs::read_to_string(&self.log).unwrap_or_default()
            );
        }
    }
}

impl Drop for Operator {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A cluster with the chart installed (no hooks), the operator enabled, storefront at
/// 3 fixed replicas and voucher under its autoscaler (1 replica stored).
struct Fixture {
    cluster: KubeApiServer,
    dir: tempfile::TempDir,
}

impl Fixture {
    fn start() -> Self {
        let cluster = KubeApiServer::start();
        succeeded(
            "create the namespace",
            cluster.kubectl(&["create", "namespace", NAMESPACE]),
        );
        let chart = chart();
        succeeded(
            "helm install with the operator",
            cluster.helm(&[
                "install",
                RELEASE,
                chart.to_str().expect("a UTF-8 path"),
                "--namespace",
                NAMESPACE,
                "--no-hooks",
                "--set",
                "operator.enabled=true,services.storefront.autoscaling.enabled=false,services.storefront.replicaCount=3",
            ]),
        );
        let dir = tempfile::tempdir().expect("temporary directory");
        Fixture { cluster, dir }
    }

    /// A kubeconfig authenticating as the chart's operator ServiceAccount (a token from
    /// the TokenRequest API): the operator then has exactly the chart's Role.
    fn operator_kubeconfig(&self) -> PathBuf {
        let token = succeeded(
            "kubectl create token",
            self.cluster.kubectl(&[
                "create",
                "token",
                OPERATOR,
                "-n",
                NAMESPACE,
                "--duration",
                "1h",
            ]),
        );
        let admin = std::fs::read_to_string(self.cluster.kubeconfig()).expect("the kubeconfig");
        let config: String = admin
            .lines()
            .map(|line| {
                if line.trim_start().starts_with("token: ") {
                    format!("    token: {}", token.trim())
                } else {
                    line.replace("namespace: default", &format!("namespace: {NAMESPACE}"))
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        let path = self.dir.path().join("operator.kubeconfig");
        std::fs::write(&path, config + "\n").expect("write the kubeconfig");
        path
    }

    fn operator(&self, identity: &str) -> Operator {
        Operator::start(&self.operator_kubeconfig(), identity, self.dir.path())
    }

    fn kubectl(&self, what: &str, args: &[&str]) -> String {
        succeeded(what, self.cluster.kubectl(args))
    }

    fn apply(&self, yaml: &str) {
        let file = self.dir.path().join("apply.yaml");
        std::fs::write(&file, yaml).expect("write the manifest");
        self.kubectl(
            "kubectl apply",
            &[
                "apply",
                "-n",
                NAMESPACE,
                "-f",
                file.to_str().expect("a UTF-8 path"),
            ],
        );
    }

    fn rebuild(&self, name: &str, service: &str, projection: Option<&str>) {
        let projection = projection
            .map(|p| format!("  projection: {p}\n"))
            .unwrap_or_default();
        self.apply(&format!(
            "apiVersion: golmok.io/v1alpha1\nkind: ReadModelRebuild\nmetadata:\n  name: {name}\nspec:\n  service: {service}\n{projection}"
        ));
    }

    /// The object as JSON, or `None` when it does not exist.
    fn get(&self, resource: &str, name: &str) -> Option<Value> {
        let output = self.cluster.kubectl(&[
            "get",
            resource,
            name,
            "-n",
            NAMESPACE,
            "-o",
            "json",
            "--ignore-not-found",
        ]);
        let text = succeeded(&format!("kubectl get {resource} {name}"), output);
        (!text.trim().is_empty()).then(|| serde_json::from_str(&text).expect("JSON"))
    }

    fn must_get(&self, resource: &str, name: &str) -> Value {
        self.get(resource, name)
            .unwrap_or_else(|| panic!("no {resource} {name}"))
    }

    /// Waits until the rebuild's phase is `phase`; its object then.
    fn wait_phase(&self, name: &str, phase: &str, operators: &mut [&mut Operator]) -> Value {
        self.wait(&format!("rebuild {name} {phase}"), operators, || {
            self.get("readmodelrebuild", name)
                .filter(|r| r["status"]["phase"] == phase)
        })
    }

    fn wait<T>(
        &self,
        what: &str,
        operators: &mut [&mut Operator],
        mut probe: impl FnMut() -> Option<T>,
    ) -> T {
        let started = Instant::now();
        loop {
            if let Some(found) = probe() {
                return found;
            }
            for operator in operators.iter_mut() {
                operator.assert_running();
            }
            if started.elapsed() > PATIENCE {
                let logs: String = operators
                    .iter()
                    .map(|o| std::fs::read_to_string(&o.log).unwrap_or_default())
                    .collect();
                let rebuilds = self.kubectl(
                    "list rebuilds",
                    &["get", "readmodelrebuilds", "-n", NAMESPACE, "-o", "yaml"],
                );
                panic!(
                    "{what}: not within {PATIENCE:?}\nrebuilds:\n{rebuilds}\noperator logs:\n{logs}"
                );
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn replicas(&self, deployment: &str) -> Value {
        self.must_get("deployment", deployment)["spec"]["replicas"].clone()
    }

    /// Marks the Job's pod succeeded, as the Job controller would.
    fn complete_job(&self, name: &str) {
        let later = "2026-01-01T00:00:05Z";
        let condition = |kind: &str| json!({"type": kind, "status": "True", "lastProbeTime": later, "lastTransitionTime": later});
        self.write_job_status(name, json!({
            "startTime": "2026-01-01T00:00:00Z", "completionTime": later, "succeeded": 1, "ready": 0, "terminating": 0,
            "conditions": [condition("SuccessCriteriaMet"), condition("Complete")],
        }));
    }

    /// Marks the Job failed after its retries, as the Job controller would.
    fn fail_job(&self, name: &str) {
        let later = "2026-01-01T00:00:05Z";
        let condition = |kind: &str| {
            json!({
                "type": kind, "status": "True", "reason": "BackoffLimitExceeded",
                "message": "Job has reached the specified backoff limit",
                "lastProbeTime": later, "lastTransitionTime": later,
            })
        };
        self.write_job_status(
            name,
            json!({
                "startTime": "2026-01-01T00:00:00Z", "failed": 3, "ready": 0, "terminating": 0,
                "conditions": [condition("FailureTarget"), condition("Failed")],
            }),
        );
    }

    fn write_job_status(&self, name: &str, status: Value) {
        let patch = json!({"status": status}).to_string();
        self.kubectl(
            "write the Job's status as the Job controller would",
            &[
                "patch",
                "job",
                name,
                "-n",
                NAMESPACE,
                "--subresource=status",
                "--type=merge",
                "-p",
                &patch,
            ],
        );
    }

    /// The reasons of the Events about the rebuild, and who reported them.
    fn events(&self, rebuild: &str) -> Vec<(String, String)> {
        let text = self.kubectl(
            "list events",
            &["get", "events.events.k8s.io", "-n", NAMESPACE, "-o", "json"],
        );
        let list: Value = serde_json::from_str(&text).expect("JSON");
        list["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter(|e| {
                e["regarding"]["kind"] == "ReadModelRebuild" && e["regarding"]["name"] == rebuild
            })
            .map(|e| {
                (
                    str_of(&e["reason"]).to_owned(),
                    str_of(&e["reportingInstance"]).to_owned(),
                )
            })
            .collect()
    }

    fn condition(rebuild: &Value, kind: &str) -> Value {
        rebuild["status"]["conditions"]
            .as_array()
            .expect("conditions")
            .iter()
            .find(|c| c["type"] == kind)
            .unwrap_or_else(|| panic!("no {kind} condition: {rebuild}"))
            .clone()
    }
}

#[test]
fn a_rebuild_runs_replay_as_a_job_with_the_service_stopped_and_gives_the_service_back() {
    let fixture = Fixture::start();
    let mut operator = fixture.operator("operator-a");

    fixture.rebuild("shop", "storefront", Some("storefront.shop"));
    let shop = fixture.wait_phase("shop", "Running", &mut [&mut operator]);
    assert_eq!(shop["status"]["jobName"], "shop-replay");
    assert_eq!(shop["status"]["previousReplicas"], 3);
    assert_eq!(
        shop["metadata"]["finalizers"],
        json!(["golmok.io/rebuild-cleanup"])
    );
    assert_eq!(Fixture::condition(&shop, "Accepted")["status"], "True");
    assert_eq!(
        Fixture::condition(&shop, "Running")["reason"],
        "JOB_CREATED"
    );
    let deployment = fixture.must_get("deployment", "golmok-storefront");
    assert_eq!(deployment["spec"]["replicas"], 0, "the service is stopped");
    assert_eq!(
        deployment["metadata"]["annotations"]["golmok.io/rebuild"],
        "shop"
    );
    assert_eq!(
        deployment["metadata"]["annotations"]["golmok.io/replicas-before-rebuild"],
        "3"
    );

    // The Job runs the replay with the service's own pod settings.
    let job = fixture.must_get("job", "shop-replay");
    let (pod, service_pod) = (pod_spec(&job), pod_spec(&deployment));
    let container = &pod["containers"][0];
    assert_eq!(
        container["args"],
        json!([
            "replay",
            "storefront",
            "--projection",
            "storefront.shop",
            "--config",
            "/etc/golmok/golmok.toml",
            "--data-dir",
            "/var/lib/golmok"
        ])
    );
    let service_container = &service_pod["containers"][0];
    for field in ["image", "securityContext", "volumeMounts", "resources"] {
        assert_eq!(container[field], service_container[field], "{field}");
    }
    assert!(container.get("livenessProbe").is_none() && container.get("ports").is_none());
    for field in [
        "securityContext",
        "volumes",
        "serviceAccountName",
        "automountServiceAccountToken",
    ] {
        assert_eq!(pod[field], service_pod[field], "{field}");
    }
    assert_eq!(pod["restartPolicy"], "Never");
    let owner = &job["metadata"]["ownerReferences"][0];
    assert_eq!(
        (&owner["kind"], &owner["name"], &owner["controller"]),
        (&json!("ReadModelRebuild"), &json!("shop"), &json!(true))
    );
    let labels = &job["spec"]["template"]["metadata"]["labels"];
    assert_eq!(
        labels["app.kubernetes.io/component"], "replay",
        "the service's Service does not select it"
    );

    // A second rebuild of the same projection is refused while the first runs.
    fixture.rebuild("shop-again", "storefront", Some("storefront.shop"));
    let again = fixture.wait_phase("shop-again", "Refused", &mut [&mut operator]);
    let refused = Fixture::condition(&again, "Refused");
    assert_eq!(refused["reason"], "REBUILD_IN_PROGRESS");
    assert!(str_of(&refused["message"]).contains("shop"), "{refused}");
    assert!(fixture.get("job", "shop-again-replay").is_none());
    assert_eq!(fixture.replicas("golmok-storefront"), 0);

    // The Job succeeds: Complete, and storefront back at 3 replicas.
    fixture.complete_job("shop-replay");
    let shop = fixture.wait_phase("shop", "Complete", &mut [&mut operator]);
    assert_eq!(
        Fixture::condition(&shop, "Complete")["reason"],
        "REPLAY_SUCCEEDED"
    );
    assert_eq!(Fixture::condition(&shop, "Running")["status"], "False");
    assert!(shop["status"]["completedAt"].is_string());
    assert_eq!(shop["status"]["observedGeneration"], 1);
    let deployment = fixture.must_get("deployment", "golmok-storefront");
    assert_eq!(deployment["spec"]["replicas"], 3);
    assert!(
        deployment["metadata"]["annotations"]
            .get("golmok.io/rebuild")
            .is_none()
    );
    let reasons: Vec<String> = fixture.events("shop").into_iter().map(|(r, _)| r).collect();
    for reason in [
        "ServiceStopped",
        "Accepted",
        "Started",
        "ServiceRestored",
        "Completed",
    ] {
        assert!(
            reasons.contains(&reason.to_owned()),
            "{reason}: {reasons:?}"
        );
    }
    assert!(
        fixture
            .events("shop-again")
            .iter()
            .any(|(r, _)| r == "Refused")
    );

    // Reconciling again changes nothing.
    let before = (
        fixture.must_get("readmodelrebuild", "shop")["metadata"]["resourceVersion"].clone(),
        fixture.must_get("deployment", "golmok-storefront")["metadata"]["resourceVersion"].clone(),
        fixture.events("shop").len(),
    );
    fixture.kubectl(
        "touch the rebuild",
        &[
            "annotate",
            "readmodelrebuild",
            "shop",
            "-n",
            NAMESPACE,
            "touched=1",
        ],
    );
    std::thread::sleep(Duration::from_secs(3));
    let rebuild = fixture.must_get("readmodelrebuild", "shop");
    assert_eq!(rebuild["status"]["phase"], "Complete");
    assert_eq!(
        fixture.must_get("deployment", "golmok-storefront")["metadata"]["resourceVersion"],
        before.1
    );
    assert_eq!(fixture.events("shop").len(), before.2);
    assert_ne!(
        rebuild["metadata"]["resourceVersion"], before.0,
        "the annotation was written"
    );

    // A failing replay: Failed with the Job's reason, voucher back at its 1 replica.
    fixture.rebuild("views", "voucher", None);
    let views = fixture.wait_phase("views", "Running", &mut [&mut operator]);
    assert_eq!(views["status"]["previousReplicas"], 1);
    assert_eq!(
        pod_spec(&fixture.must_get("job", "views-replay"))["containers"][0]["args"],
        json!([
            "replay",
            "voucher",
            "--config",
            "/etc/golmok/golmok.toml",
            "--data-dir",
            "/var/lib/golmok"
        ])
    );
    assert_eq!(fixture.replicas("golmok-voucher"), 0);
    fixture.fail_job("views-replay");
    let views = fixture.wait_phase("views", "Failed", &mut [&mut operator]);
    let failed = Fixture::condition(&views, "Failed");
    assert_eq!(failed["reason"], "REPLAY_FAILED");
    assert!(
        str_of(&failed["message"]).contains("BackoffLimitExceeded"),
        "{failed}"
    );
    assert_eq!(fixture.replicas("golmok-voucher"), 1);
    assert!(fixture.events("views").iter().any(|(r, _)| r == "Failed"));

    // A service without a Deployment is refused with a clear code.
    fixture.rebuild("nothing", "ledger", None);
    let nothing = fixture.wait_phase("nothing", "Refused", &mut [&mut operator]);
    assert_eq!(
        Fixture::condition(&nothing, "Refused")["reason"],
        "DEPLOYMENT_NOT_FOUND"
    );
}

#[test]
fn a_restarted_operator_carries_on_and_a_deleted_rebuild_is_cleaned_up() {
    let fixture = Fixture::start();
    let mut first = fixture.operator("operator-a");
    fixture.rebuild("shop", "storefront", None);
    fixture.wait_phase("shop", "Running", &mut [&mut first]);
    // Killed mid-rebuild; the Job ends while no operator runs.
    first.kill();
    fixture.complete_job("shop-replay");
    assert_eq!(fixture.replicas("golmok-storefront"), 0);
    let mut second = fixture.operator("operator-b");
    let shop = fixture.wait_phase("shop", "Complete", &mut [&mut second]);
    assert_eq!(shop["status"]["jobName"], "shop-replay");
    assert_eq!(
        fixture.replicas("golmok-storefront"),
        3,
        "the replica count survived the restart"
    );
    let reporters: Vec<(String, String)> = fixture.events("shop");
    assert!(
        reporters.contains(&("Completed".into(), "operator-b".into())),
        "{reporters:?}"
    );

    // Deleting a running rebuild deletes its Job and gives the Deployment back.
    fixture.rebuild("again", "storefront", None);
    fixture.wait_phase("again", "Running", &mut [&mut second]);
    assert!(fixture.get("job", "again-replay").is_some());
    assert_eq!(fixture.replicas("golmok-storefront"), 0);
    fixture.kubectl(
        "delete the rebuild",
        &[
            "delete",
            "readmodelrebuild",
            "again",
            "-n",
            NAMESPACE,
            "--wait=false",
        ],
    );
    fixture.wait("the rebuild is gone", &mut [&mut second], || {
        fixture
            .get("readmodelrebuild", "again")
            .is_none()
            .then_some(())
    });
    assert!(
        fixture.get("job", "again-replay").is_none(),
        "the Job is deleted"
    );
    let deployment = fixture.must_get("deployment", "golmok-storefront");
    assert_eq!(deployment["spec"]["replicas"], 3);
    assert!(
        deployment["metadata"]["annotations"]
            .get("golmok.io/rebuild")
            .is_none()
    );
    assert!(
        fixture
            .events("again")
            .iter()
            .any(|(r, _)| r == "Cancelled")
    );
}

#[test]
fn of_two_operators_one_leads_and_the_other_takes_over_when_it_dies() {
    let fixture = Fixture::start();
    let mut a = fixture.operator("operator-a");
    let mut b = fixture.operator("operator-b");
    let holder = fixture.wait("a Lease holder", &mut [&mut a, &mut b], || {
        fixture
            .get("lease", OPERATOR)
            .and_then(|l| l["spec"]["holderIdentity"].as_str().map(str::to_owned))
    });
    fixture.rebuild("shop", "storefront", None);
    fixture.wait_phase("shop", "Running", &mut [&mut a, &mut b]);
    let events = fixture.events("shop");
    assert!(!events.is_empty());
    assert!(
        events.iter().all(|(_, reporter)| *reporter == holder),
        "only the leader acts: {events:?}"
    );

    let (mut leader, mut follower) = if holder == "operator-a" {
        (a, b)
    } else {
        (b, a)
    };
    leader.kill();
    let killed = Instant::now();
    fixture.rebuild("views", "voucher", None);
    fixture.wait_phase("views", "Running", &mut [&mut follower]);
    let took = killed.elapsed();
    assert!(
        took < Duration::from_secs(LEASE_SECS * 2 + 2),
        "the takeover took {took:?} with a {LEASE_SECS}s Lease"
    );
    let lease = fixture.must_get("lease", OPERATOR);
    assert_eq!(lease["spec"]["holderIdentity"], follower.identity.as_str());
    assert_eq!(lease["spec"]["leaseTransitions"], 1);
    let events = fixture.events("views");
    assert!(
        events
            .iter()
            .all(|(_, reporter)| *reporter == follower.identity),
        "{events:?}"
    );
    // The new leader also finishes what the old one started.
    fixture.complete_job("shop-replay");
    fixture.wait_phase("shop", "Complete", &mut [&mut follower]);
    assert_eq!(fixture.replicas("golmok-storefront"), 3);
}
