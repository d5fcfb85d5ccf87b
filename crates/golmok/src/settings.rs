use std::net::SocketAddr;
use std::path::Path;

use serde::Deserialize;

use crate::commands::Common;

/// Settings of a whole-suite process: one section per service.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SuiteSettings {
    /// The gateway (its `listen` is where `golmok up` serves).
    pub gateway: gateway::Settings,
    pub storefront: storefront::Settings,
    pub voucher: voucher::Settings,
    /// Where `golmok serve gateway` finds the services.
    pub upstreams: UpstreamUrls,
}

/// Base URLs of the services' HTTP APIs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UpstreamUrls {
    pub storefront: String,
    pub voucher: String,
}

impl Default for UpstreamUrls {
    fn default() -> Self {
        UpstreamUrls {
            storefront: "http://127.0.0.1:8081".to_owned(),
            voucher: "http://127.0.0.1:8082".to_owned(),
        }
    }
}

impl SuiteSettings {
    /// Loads file + environment, then places every store and the signing key
    /// under the data directory.
    pub fn load(common: &Common, listen: Option<SocketAddr>) -> anyhow::Result<Self> {
        let mut settings: SuiteSettings = golmok_runtime::load_settings(common.config.as_deref())?;
        settings.place_under(&common.data_dir);
        if let Some(listen) = listen {
            settings.gateway.listen = listen;
        }
        Ok(settings)
    }

    fn place_under(&mut self, data_dir: &Path) {
        self.storefront.data_dir = data_dir.join("storefront");
        self.voucher.data_dir = data_dir.join("voucher");
        self.gateway.auth.signing_key_file = data_dir.join("jwt-signing.key");
    }
}
