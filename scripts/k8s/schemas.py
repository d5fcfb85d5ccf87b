#!/usr/bin/env python3
"""Generates the JSON schemas kubeconform validates manifests against, from the
OpenAPI document of the real kube-apiserver that scripts/k8s/install built.

The machines reach no schema repository, so the schemas are derived here, the way
openapi2jsonschema derives the published ones: this starts etcd and kube-apiserver on
free loopback ports, reads GET /openapi/v2, and writes one file per kind and version,
named as kubeconform's -schema-location template expects:

    OUT/v<version>-strict/<kind>[-<group's first label>]-<version>.json

Each file is the kind's definition with every definition it refers to under
`definitions`. Strict means: an object with listed properties allows no other
(`additionalProperties: false`), so a misspelt field fails validation. IntOrString
accepts a string or an integer, Quantity a string or a number, as in YAML manifests.

Each `--crd FILE` (a CustomResourceDefinition) is created in the cluster first, so its
kinds get schemas too, from the OpenAPI the API server publishes for them.

Usage: schemas.py --bin BIN_DIR --version 1.34.4 --out DIR [--crd FILE ...]
       (BIN_DIR holds etcd, kube-apiserver and kubectl)
"""

import argparse
import copy
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request

INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_cluster(bin_dir, work):
    """etcd and kube-apiserver on loopback; returns (processes, url, token)."""
    etcd_port, peer_port, api_port = free_port(), free_port(), free_port()
    token = "schemas-" + os.urandom(8).hex()
    with open(os.path.join(work, "tokens.csv"), "w") as f:
        f.write(f"{token},admin,admin,system:masters\n")
    key = os.path.join(work, "sa.key")
    subprocess.run(["openssl", "genrsa", "-out", key, "2048"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    log = open(os.path.join(work, "cluster.log"), "w")
    etcd = subprocess.Popen([
        os.path.join(bin_dir, "etcd"), "--data-dir", os.path.join(work, "etcd"),
        "--listen-client-urls", f"http://127.0.0.1:{etcd_port}",
        "--advertise-client-urls", f"http://127.0.0.1:{etcd_port}",
        "--listen-peer-urls", f"http://127.0.0.1:{peer_port}",
        "--initial-advertise-peer-urls", f"http://127.0.0.1:{peer_port}",
        "--initial-cluster", f"default=http://127.0.0.1:{peer_port}",
        "--unsafe-no-fsync",
    ], stdout=log, stderr=log)
    api = subprocess.Popen([
        os.path.join(bin_dir, "kube-apiserver"),
        f"--etcd-servers=http://127.0.0.1:{etcd_port}",
        "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1",
        f"--secure-port={api_port}", f"--cert-dir={os.path.join(work, 'certs')}",
        f"--token-auth-file={os.path.join(work, 'tokens.csv')}",
        "--authorization-mode=RBAC",
        "--service-cluster-ip-range=10.96.0.0/24",
        "--service-account-issuer=https://kubernetes.default.svc",
        f"--service-account-key-file={key}",
        f"--service-account-signing-key-file={key}",
    ], stdout=log, stderr=log)
    return [api, etcd], f"https://127.0.0.1:{api_port}", token


def get(url, token, accept="application/json"):
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the apiserver's own self-signed certificate
    request = urllib.request.Request(
        url, headers={"Authorization": f"Bearer {token}", "Accept": accept})
    with urllib.request.urlopen(request, context=context, timeout=30) as response:
        return response.read()


def wait_ready(url, token, processes, work):
    deadline = time.time() + 180
    while time.time() < deadline:
        for p in processes:
            if p.poll() is not None:
                sys.exit("the cluster stopped:\n" + open(os.path.join(work, "cluster.log")).read()[-4000:])
        try:
            if get(url + "/readyz", token, "text/plain") == b"ok":
                return
        except OSError:
            pass
        time.sleep(0.5)
    sys.exit("kube-apiserver not ready in 180 s:\n" + open(os.path.join(work, "cluster.log")).read()[-4000:])


def kubectl(bin_dir, url, token, *args):
    return subprocess.run(
        [os.path.join(bin_dir, "kubectl"), "--server", url, "--token", token,
         "--insecure-skip-tls-verify", *args],
        check=True, capture_output=True, text=True).stdout


def install_crd(bin_dir, url, token, path):
    """Creates the CRD and waits until the API server publishes its kind's schema."""
    kubectl(bin_dir, url, token, "create", "-f", path)
    kind = kubectl(bin_dir, url, token, "get", "-f", path, "-o", "jsonpath={.spec.names.kind}")
    deadline = time.time() + 120
    while time.time() < deadline:
        document = json.loads(get(url + "/openapi/v2", token))
        if any(gvk.get("kind") == kind
               for definition in document["definitions"].values()
               for gvk in definition.get("x-kubernetes-group-version-kind", [])):
            return
        time.sleep(1)
    sys.exit(f"the API server published no schema for {kind} ({path}) in 120 s")


def strict(schema):
    """The schema with closed objects and YAML-friendly IntOrString and Quantity."""
    if isinstance(schema, list):
        return [strict(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: strict(v) for k, v in schema.items()}
    if "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


def refs(schema, found):
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/definitions/"):
            found.add(ref[len("#/definitions/"):])
        for value in schema.values():
            refs(value, found)
    elif isinstance(schema, list):
        for value in schema:
            refs(value, found)


def closure(name, definitions):
    seen, todo = set(), [name]
    while todo:
        current = todo.pop()
        if current in seen or current not in definitions:
            continue
        seen.add(current)
        found = set()
        refs(definitions[current], found)
        todo.extend(found - seen)
    return seen


def file_name(gvk):
    group, version, kind = gvk.get("group", ""), gvk["version"], gvk["kind"]
    suffix = f"-{group.split('.')[0].lower()}" if group else ""
    return f"{kind.lower()}{suffix}-{version.lower()}.json"


def convert(document, out_dir):
    definitions = {}
    for name, definition in document["definitions"].items():
        definitions[name] = strict(definition)
    definitions[INT_OR_STRING] = {"oneOf": [{"type": "string"}, {"type": "integer"}]}
    definitions[QUANTITY] = {"oneOf": [{"type": "string"}, {"type": "number"}]}
    written = 0
    for name, definition in document["definitions"].items():
        for gvk in definition.get("x-kubernetes-group-version-kind", []):
            schema = copy.deepcopy(definitions[name])
            schema["$schema"] = "http://json-schema.org/draft-04/schema#"
            needed = closure(name, definitions) - {name}
            if needed:
                schema["definitions"] = {n: definitions[n] for n in sorted(needed)}
            # A reference to the kind's own definition (recursive types) stays resolvable.
            schema.setdefault("definitions", {})[name] = definitions[name]
            with open(os.path.join(out_dir, file_name(gvk)), "w") as f:
                json.dump(schema, f, separators=(",", ":"))
            written += 1
    return written


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bin", required=True)
    parser.add_argument("--version", required=True, help="the Kubernetes version, 1.34.4")
    parser.add_argument("--out", required=True)
    parser.add_argument("--crd", action="append", default=[],
                        help="a CustomResourceDefinition file to install first")
    args = parser.parse_args()
    version = "v" + args.version
    work = tempfile.mkdtemp(prefix="golmok-k8s-schemas-")
    processes = []
    try:
        processes, url, token = start_cluster(args.bin, work)
        wait_ready(url, token, processes, work)
        for crd in args.crd:
            install_crd(args.bin, url, token, crd)
        document = json.loads(get(url + "/openapi/v2", token))
    finally:
        for p in processes:
            p.send_signal(signal.SIGTERM)
        for p in processes:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(work, ignore_errors=True)
    out_dir = os.path.join(args.out, f"{version}-strict")
    os.makedirs(out_dir, exist_ok=True)
    written = convert(document, out_dir)
    with open(os.path.join(args.out, "openapi-v2.json"), "w") as f:
        json.dump(document, f)
    print(f"wrote {written} schemas of Kubernetes {version} to {out_dir}", file=sys.stderr)


if __name__ == "__main__":
    main()
