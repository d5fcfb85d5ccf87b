use std::path::PathBuf;

use gateway::LimitSettings;
use reqwest::StatusCode;

use crate::fake_storefront::Catalogue;
use crate::support::spawn_gateway;

/// The values of every `src="…"` and `href="…"` in `html`.
fn references(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for attribute in ["src=\"", "href=\""] {
        let mut rest = html;
        while let Some(start) = rest.find(attribute) {
            rest = &rest[start + attribute.len()..];
            let end = rest.find('"').expect("a closed attribute");
            found.push(rest[..end].to_owned());
            rest = &rest[end..];
        }
    }
    found
}

fn assets_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets")
}

#[tokio::test]
async fn the_graphiql_page_loads_only_local_assets_with_their_content_types() {
    let app = spawn_gateway(Catalogue::new(1, 0).router(), LimitSettings::default()).await;
    let response = app.client.get(app.url("/graphql")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/html; charset=utf-8"
    );
    let policy = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(policy.contains("script-src 'self'"), "{policy}");
    let page = response.text().await.unwrap();
    assert!(
        !page.contains("http://") && !page.contains("https://") && !page.contains("//cdn"),
        "{page}"
    );
    assert!(!page.contains("<script>"), "no inline script: {page}");

    let referenced = references(&page);
    let expected = [
        ("graphiql.min.css", "text/css; charset=utf-8"),
        ("react.production.min.js", "text/javascript; charset=utf-8"),
        (
            "react-dom.production.min.js",
            "text/javascript; charset=utf-8",
        ),
        ("graphiql.min.js", "text/javascript; charset=utf-8"),
        ("graphiql-init.js", "text/javascript; charset=utf-8"),
    ];
    assert_eq!(referenced.len(), expected.len(), "{referenced:?}");
    for (name, content_type) in expected {
        let path = format!("/graphql/assets/{name}");
        assert!(referenced.contains(&path), "{path} is not on the page");
        let response = app.client.get(app.url(&path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(response.headers()["content-type"], content_type, "{path}");
        let served = response.bytes().await.unwrap();
        let committed = std::fs::read(assets_dir().join(name)).unwrap();
        assert!(served == committed, "{path} differs from assets/{name}");
    }
    let missing = app
        .client
        .get(app.url("/graphql/assets/nope.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_init_script_points_graphiql_at_this_gateway() {
    let script = std::fs::read_to_string(assets_dir().join("graphiql-init.js")).unwrap();
    assert!(script.contains("GraphiQL.createFetcher({ url: window.location.pathname })"));
    assert!(!script.contains("http"), "no absolute URLs");
}
