use gateway::LimitSettings;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::fake_storefront::Catalogue;
use crate::support::{TestApp, error_codes, spawn_gateway};

async fn app() -> TestApp {
    let limits = LimitSettings {
        max_depth: 6,
        max_complexity: 30,
        max_aliases: 3,
        max_batch_operations: 2,
        ..LimitSettings::default()
    };
    spawn_gateway(Catalogue::new(12, 3).router(), limits).await
}

/// Runs `query`, expects one error with `code` and no call to the storefront.
async fn assert_rejected(app: &TestApp, query: &str, code: &str) {
    let (status, body) = app.graphql(None, query, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(error_codes(&body), vec![code], "{query}: {body}");
    assert!(body["data"].is_null(), "{body}");
    assert_eq!(app.upstream_calls(), vec![], "{query}: no resolver may run");
}

#[tokio::test]
async fn depth_at_the_limit_runs_and_one_more_is_refused() {
    let app = app().await;
    let at_limit =
        "{ merchants(first: 1) { edges { node { products(first: 1) { edges { cursor } } } } } }";
    app.data(None, at_limit, json!({})).await;
    app.forget_upstream_calls();
    let deeper = "{ merchants(first: 1) { edges { node { products(first: 1) { edges { node { id } } } } } } }";
    assert_rejected(&app, deeper, "DEPTH_LIMIT_EXCEEDED").await;
}

#[tokio::test]
async fn depth_counts_through_fragments() {
    let app = app().await;
    let query =
        "query { ...M } fragment M on Query { merchants(first: 1) { edges { node { ...P } } } }
                 fragment P on Merchant { products(first: 1) { edges { node { id } } } }";
    assert_rejected(&app, query, "DEPTH_LIMIT_EXCEEDED").await;
}

#[tokio::test]
async fn complexity_at_the_limit_runs_and_one_more_is_refused() {
    let app = app().await;
    // viewer 1 + role 1, then 1 + 9 × (edges 1 + node 1 + id 1): 30
    let at_limit = "{ viewer { role } merchants(first: 9) { edges { node { id } } } }";
    let data = app.data(None, at_limit, json!({})).await;
    assert_eq!(data["merchants"]["edges"].as_array().unwrap().len(), 9);
    app.forget_upstream_calls();
    let one_more = "{ viewer { role subject } merchants(first: 9) { edges { node { id } } } }";
    assert_rejected(&app, one_more, "COMPLEXITY_LIMIT_EXCEEDED").await;
    let bigger_page = "{ merchants(first: 10) { edges { node { id } } } }";
    assert_rejected(&app, bigger_page, "COMPLEXITY_LIMIT_EXCEEDED").await;
}

#[tokio::test]
async fn page_sizes_given_as_variables_count_too() {
    let app = app().await;
    let query = "query($n: Int) { merchants(first: $n) { edges { node { id } } } }";
    let (_, body) = app.graphql(None, query, json!({"n": 10})).await;
    assert_eq!(
        error_codes(&body),
        vec!["COMPLEXITY_LIMIT_EXCEEDED"],
        "{body}"
    );
    assert_eq!(app.upstream_calls(), vec![]);
}

/// The gateway keeps a document it has parsed (issue 11, P1); what depends on
/// a request's variables and operation name is still decided per request.
#[tokio::test]
async fn a_document_sent_again_is_checked_against_its_own_variables_and_operation() {
    let app = app().await;
    let query = "query($n: Int) { merchants(first: $n) { edges { node { id } } } }";
    let nine = app.data(None, query, json!({"n": 9})).await;
    assert_eq!(nine["merchants"]["edges"].as_array().unwrap().len(), 9);
    let (_, body) = app.graphql(None, query, json!({"n": 10})).await;
    assert_eq!(
        error_codes(&body),
        vec!["COMPLEXITY_LIMIT_EXCEEDED"],
        "{body}"
    );
    let (_, body) = app.graphql(None, query, json!({"n": "ten"})).await;
    let codes = error_codes(&body);
    assert!(!codes.is_empty(), "{body}");
    assert!(
        codes.iter().all(|code| code == "GRAPHQL_VALIDATION_FAILED"),
        "{body}"
    );
    assert!(body["data"].is_null(), "{body}");
    let three = app.data(None, query, json!({"n": 3})).await;
    assert_eq!(three["merchants"]["edges"].as_array().unwrap().len(), 3);

    let two =
        "query Roles { viewer { role } } query Pages { merchants(first: 2) { edges { cursor } } }";
    for _ in 0..2 {
        for (operation, field) in [
            ("Roles", "viewer"),
            ("Pages", "merchants"),
            ("Roles", "viewer"),
        ] {
            let body =
                serde_json::to_vec(&json!({"query": two, "operationName": operation})).unwrap();
            let (status, answer) = app.post_raw(None, body).await;
            assert_eq!(status, StatusCode::OK, "{answer}");
            let data = answer["data"].as_object().expect("data");
            assert_eq!(
                data.keys().collect::<Vec<_>>(),
                vec![field],
                "{operation}: {answer}"
            );
        }
    }
    let body = serde_json::to_vec(&json!({"query": two})).unwrap();
    let (_, answer) = app.post_raw(None, body).await;
    assert!(answer["data"].is_null(), "{answer}");
}

#[tokio::test]
async fn aliases_at_the_limit_run_and_one_more_is_refused() {
    let app = app().await;
    app.data(
        None,
        "{ a: viewer { subject } b: viewer { subject } c: viewer { subject } }",
        json!({}),
    )
    .await;
    assert_rejected(
        &app,
        "{ a: viewer { subject } b: viewer { subject } c: viewer { subject } d: viewer { subject } }",
        "ALIAS_LIMIT_EXCEEDED",
    )
    .await;
    // Each spread of a fragment counts its aliases again.
    assert_rejected(
        &app,
        "{ ...F ...F } fragment F on Query { a: merchants(first: 1) { edges { cursor } } b: viewer { subject } }",
        "ALIAS_LIMIT_EXCEEDED",
    )
    .await;
}

#[tokio::test]
async fn a_thousand_aliases_are_refused() {
    let app = spawn_gateway(Catalogue::new(1, 0).router(), LimitSettings::default()).await;
    let fields: String = (0..1000)
        .map(|i| format!("m{i}: merchants(first: 1) {{ edges {{ cursor }} }} "))
        .collect();
    assert_rejected(&app, &format!("{{ {fields} }}"), "ALIAS_LIMIT_EXCEEDED").await;
}

#[tokio::test]
async fn batches_above_the_limit_are_refused() {
    let app = app().await;
    let operation = json!({"query": "{ merchants(first: 1) { edges { cursor } } }"});
    let (status, body) = app
        .post_raw(
            None,
            serde_json::to_vec(&json!([operation, operation])).unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body.as_array().map(Vec::len), Some(2), "{body}");
    app.forget_upstream_calls();
    for size in [3, 100] {
        let batch = Value::Array(vec![operation.clone(); size]);
        let (status, body) = app
            .post_raw(None, serde_json::to_vec(&batch).unwrap())
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{size}");
        assert_eq!(error_codes(&body), vec!["BATCH_LIMIT_EXCEEDED"], "{body}");
        assert_eq!(app.upstream_calls(), vec![]);
    }
}

#[tokio::test]
async fn bodies_above_the_limit_are_refused() {
    let app = app().await;
    let limit = app.settings.limits.max_body_bytes;
    for size in [limit + 1, 1024 * 1024, 10 * 1024 * 1024] {
        let padding = "x".repeat(size);
        let body = serde_json::to_vec(
            &json!({"query": "{ merchants { edges { cursor } } }", "variables": {"s": padding}}),
        )
        .unwrap();
        let response = app
            .client
            .post(app.url("/graphql"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await;
        // The gateway answers before reading a huge body to its end, so the
        // client may see the connection close while still sending the
        // 10 MB one; the smaller ones must get the coded answer.
        if size > 1024 * 1024 && response.is_err() {
            assert_eq!(app.upstream_calls(), vec![]);
            continue;
        }
        let response = response.expect("an answer");
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE, "{size}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(error_codes(&body), vec!["PAYLOAD_TOO_LARGE"]);
        assert_eq!(app.upstream_calls(), vec![]);
    }
}

#[tokio::test]
async fn malformed_requests_get_coded_errors() {
    let app = app().await;
    let (status, body) = app.post_raw(None, b"{not json".to_vec()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_codes(&body), vec!["BAD_REQUEST"]);

    assert_rejected(&app, "{ merchants(first: 1) {", "GRAPHQL_PARSE_FAILED").await;
    assert_rejected(&app, &"{ a ".repeat(5_000), "GRAPHQL_PARSE_FAILED").await;
    assert_rejected(&app, "{ noSuchField }", "GRAPHQL_VALIDATION_FAILED").await;
    let (_, body) = app
        .graphql(
            None,
            "query($id: ID!) { merchant(id: $id) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(error_codes(&body), vec!["BAD_USER_INPUT"], "{body}");
    assert_eq!(app.upstream_calls(), vec![]);
}

/// GraphiQL's own introspection query is deeper than data queries may be;
/// it must still work with the default limits.
#[tokio::test]
async fn graphiql_introspection_passes_the_default_limits() {
    let app = spawn_gateway(Catalogue::new(1, 0).router(), LimitSettings::default()).await;
    let data = app.data(None, INTROSPECTION, json!({})).await;
    let types = data["__schema"]["types"].as_array().unwrap();
    assert!(types.iter().any(|t| t["name"] == "Merchant"));
    // Mixed with data fields, the depth limit applies again.
    let mixed = format!(
        "{{ viewer {{ subject }} __schema {{ types {{ fields {{ type {{ {} name {} }} }} }} }} }}",
        "ofType { ".repeat(10),
        "} ".repeat(10)
    );
    let (_, body) = app.graphql(None, &mixed, json!({})).await;
    assert_eq!(error_codes(&body), vec!["DEPTH_LIMIT_EXCEEDED"], "{body}");
}

const INTROSPECTION: &str = r#"
query IntrospectionQuery {
  __schema {
    queryType { name }
    mutationType { name }
    subscriptionType { name }
    types { ...FullType }
    directives { name description locations args(includeDeprecated: true) { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description specifiedByURL
  fields(includeDeprecated: true) {
    name description
    args(includeDeprecated: true) { ...InputValue }
    type { ...TypeRef }
    isDeprecated deprecationReason
  }
  inputFields(includeDeprecated: true) { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue {
  name description type { ...TypeRef } defaultValue isDeprecated deprecationReason
}
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } } }
}
"#;

/// The count of `golmok_graphql_errors_total{code}` in a /metrics page.
fn errors_counted(metrics: &str, code: &str) -> f64 {
    let series = format!("golmok_graphql_errors_total{{code=\"{code}\"}} ");
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(&series))
        .map_or(0.0, |value| value.trim().parse().expect("a number"))
}

async fn metrics(app: &TestApp) -> String {
    let response = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.text().await.unwrap()
}

#[tokio::test]
async fn errors_are_counted_by_code_in_metrics() {
    let app = app().await;
    let before = metrics(&app).await;
    assert_rejected(&app, "{ noSuchField }", "GRAPHQL_VALIDATION_FAILED").await;
    assert_rejected(
        &app,
        "{ a: viewer { role } b: viewer { role } c: viewer { role } d: viewer { role } }",
        "ALIAS_LIMIT_EXCEEDED",
    )
    .await;
    let refused = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", "text/plain")
        .body(r#"{"query": "{ __typename }"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let after = metrics(&app).await;
    // Other tests in this process count too: at least ours were added.
    for code in [
        "GRAPHQL_VALIDATION_FAILED",
        "ALIAS_LIMIT_EXCEEDED",
        "UNSUPPORTED_MEDIA_TYPE",
    ] {
        assert!(
            errors_counted(&after, code) >= errors_counted(&before, code) + 1.0,
            "{code}: {after}"
        );
    }
    let labels: Vec<&str> = after
        .lines()
        .filter(|line| line.starts_with("golmok_graphql_errors_total{"))
        .collect();
    assert!(
        labels.iter().all(
            |line| line.starts_with("golmok_graphql_errors_total{code=\"")
                && !line.contains("noSuchField")
        ),
        "{labels:?}"
    );
}

/// RELIABILITY.md 13: a 1 MB string in the document is refused with the
/// body limit; a long string under it is an ordinary argument.
#[tokio::test]
async fn megabyte_strings_are_refused_and_long_ones_are_plain_input() {
    let app = app().await;
    let megabyte = format!(
        "{{ merchant(id: \"{}\") {{ id }} }}",
        "x".repeat(1024 * 1024)
    );
    let (status, body) = app.graphql(None, &megabyte, json!({})).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_codes(&body), vec!["PAYLOAD_TOO_LARGE"]);
    assert_eq!(app.upstream_calls(), vec![]);

    let long = format!(
        "{{ merchant(id: \"{}\") {{ id }} }}",
        "x".repeat(200 * 1024)
    );
    let (status, body) = app.graphql(None, &long, json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(error_codes(&body), vec!["INVALID_ID"], "{body}");
    assert!(
        body.to_string().len() < 4_096,
        "the id is not echoed back whole"
    );
    assert_eq!(app.upstream_calls(), vec![]);
}
