//! The deployment: charts/golmok and the kustomize manifests under k8s/, rendered,
//! validated against the Kubernetes schemas of the cluster version, checked against
//! RELIABILITY 20, and installed into a real kube-apiserver on etcd.
//!
//! The tools (helm, kubeconform, kubectl, kube-apiserver, etcd) are built once by
//! scripts/k8s/install, which scripts/test runs (`GOLMOK_K8S_BIN`); without them
//! these tests fail and say so. No kubelet runs here: pods are never started, the
//! tests assert on the objects the API server stores.

mod apiserver;
mod chart;
mod kustomize;
mod operator;
mod support;
