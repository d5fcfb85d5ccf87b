use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;

use golmok_runtime::{ServiceFactory, ServiceSettings, SettingsValue, TelemetrySettings};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};

use crate::commands::Common;
use crate::registry::SERVICES;

/// Settings of a whole-suite process: the gateway, one section per
/// registered service (`[storefront]`, `GOLMOK__VOUCHER__...`), and where
/// `golmok serve gateway` finds the services. Unknown sections and keys fail.
#[derive(Clone)]
pub struct SuiteSettings {
    /// The gateway (its `listen` is where `golmok up` serves).
    pub gateway: gateway::Settings,
    /// Each service's settings, in registry order; its own section is
    /// checked now and read again when it is built.
    pub services: Vec<(&'static dyn ServiceFactory, ServiceSettings<SettingsValue>)>,
    /// Base URLs of the services' HTTP APIs (`[upstreams] <service> = URL`),
    /// by default each service's default `listen` address.
    pub upstreams: BTreeMap<String, String>,
    /// Traces (`[telemetry]`, `GOLMOK__TELEMETRY__OTLP_ENDPOINT`): off unless
    /// it names an OTLP collector.
    pub telemetry: TelemetrySettings,
}

impl SuiteSettings {
    /// Loads file + environment, then places every store, the signing key and
    /// the actor-assertion key under the data directory.
    pub fn load(common: &Common, listen: Option<SocketAddr>) -> anyhow::Result<Self> {
        let mut settings: SuiteSettings = golmok_runtime::load_settings(common.config.as_deref())?;
        settings.place_under(&common.data_dir);
        if let Some(listen) = listen {
            settings.gateway.listen = listen;
        }
        Ok(settings)
    }

    fn place_under(&mut self, data_dir: &Path) {
        let assertion_key = data_dir.join(golmok_runtime::ASSERTION_KEY_FILE);
        for (service, settings) in &mut self.services {
            settings.data_dir = data_dir.join(service.name());
            settings.assertion_key_file = Some(assertion_key.clone());
        }
        self.gateway.auth.signing_key_file = data_dir.join("jwt-signing.key");
        self.gateway.auth.assertion_key_file = assertion_key;
        self.gateway.data_dir = data_dir.join("gateway");
    }

    /// The base URL of `service`'s HTTP API.
    pub fn upstream(&self, service: &str) -> anyhow::Result<&str> {
        self.upstreams
            .get(service)
            .map(String::as_str)
            .ok_or_else(|| anyhow::anyhow!("no upstream URL for the service {service}"))
    }
}

impl<'de> Deserialize<'de> for SuiteSettings {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut sections = SettingsValue::deserialize(deserializer)?
            .into_table()
            .map_err(D::Error::custom)?;
        let gateway = match sections.remove("gateway") {
            Some(section) => gateway::Settings::deserialize(section).map_err(D::Error::custom)?,
            None => gateway::Settings::default(),
        };
        let telemetry = match sections.remove("telemetry") {
            Some(section) => TelemetrySettings::deserialize(section).map_err(D::Error::custom)?,
            None => TelemetrySettings::default(),
        };
        telemetry.validate().map_err(D::Error::custom)?;
        let mut upstreams: BTreeMap<String, String> = SERVICES
            .iter()
            .map(|service| {
                let url = format!("http://{}", service.default_listen());
                (service.name().to_owned(), url)
            })
            .collect();
        if let Some(section) = sections.remove("upstreams") {
            let given =
                BTreeMap::<String, String>::deserialize(section).map_err(D::Error::custom)?;
            for (service, url) in given {
                if !upstreams.contains_key(&service) {
                    return Err(unknown::<D>(&format!("upstreams.{service}")));
                }
                upstreams.insert(service, url);
            }
        }
        let mut services = Vec::new();
        for service in SERVICES {
            // `[creator-media]` in a file; `GOLMOK__CREATOR_MEDIA__…` in the
            // environment, which cannot spell the hyphen (and wins).
            let env_spelling = service.name().replace('-', "_");
            let mut section = sections.remove(service.name()).unwrap_or_default();
            if env_spelling != service.name()
                && let Some(from_env) = sections.remove(&env_spelling)
            {
                section = overlay(section, from_env);
            }
            let settings = service
                .settings(section)
                .map_err(|e| D::Error::custom(format!("[{}] {e}", service.name())))?;
            services.push((*service, settings));
        }
        if let Some(section) = sections.keys().next() {
            return Err(unknown::<D>(section));
        }
        Ok(SuiteSettings {
            gateway,
            services,
            upstreams,
            telemetry,
        })
    }
}

/// An unknown section or service name, and the services there are.
/// `base` with every key of `top` set over it, tables merged key by key.
fn overlay(base: SettingsValue, top: SettingsValue) -> SettingsValue {
    let origin = top.origin().map(str::to_owned);
    match (base.clone().into_table(), top.clone().into_table()) {
        (Ok(mut base), Ok(top)) => {
            for (key, value) in top {
                let merged = match base.remove(&key) {
                    Some(under) => overlay(under, value),
                    None => value,
                };
                base.insert(key, merged);
            }
            SettingsValue::new(origin.as_ref(), base)
        }
        _ => top,
    }
}

fn unknown<'de, D: Deserializer<'de>>(key: &str) -> D::Error {
    let services = crate::registry::names().join(", ");
    D::Error::custom(format!(
        "unknown field `{key}`: the sections are gateway, upstreams, telemetry and the services ({services})"
    ))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use golmok_runtime::StorageSettings;

    use super::*;

    fn load(toml: &str) -> anyhow::Result<SuiteSettings> {
        let mut file = tempfile::NamedTempFile::with_suffix(".toml")?;
        file.write_all(toml.as_bytes())?;
        Ok(golmok_runtime::load_settings(Some(file.path()))?)
    }

    fn section<'a>(settings: &'a SuiteSettings, name: &str) -> &'a ServiceSettings<SettingsValue> {
        &settings
            .services
            .iter()
            .find(|(service, _)| service.name() == name)
            .expect("a registered service")
            .1
    }

    #[test]
    fn every_registered_service_has_a_section_with_its_defaults() {
        let settings = load("").expect("defaults");
        assert_eq!(
            section(&settings, "storefront").listen,
            SocketAddr::from(([127, 0, 0, 1], 8081))
        );
        assert_eq!(
            section(&settings, "voucher").listen,
            SocketAddr::from(([127, 0, 0, 1], 8082))
        );
        assert_eq!(
            settings.upstream("voucher").unwrap(),
            "http://127.0.0.1:8082"
        );
        assert_eq!(
            section(&settings, "voucher").storage,
            StorageSettings::default()
        );
    }

    #[test]
    fn shared_and_own_keys_sit_side_by_side_in_a_service_section() {
        let settings = load(
            r#"
            [storefront]
            listen = "127.0.0.1:9001"
            consistency_timeout_ms = 250
            diagnosis = { marketability_threshold = 70 }
            [voucher]
            hold_timeout_secs = 60
            [voucher.storage]
            kind = "scylla"
            contact_points = ["10.0.0.1:9042"]
            keyspace = "golmok_voucher"
            [upstreams]
            storefront = "http://storefront.internal"
            "#,
        )
        .expect("valid settings");
        let storefront = section(&settings, "storefront");
        assert_eq!(storefront.listen, SocketAddr::from(([127, 0, 0, 1], 9001)));
        assert_eq!(storefront.consistency_timeout_ms, 250);
        let typed = storefront
            .clone()
            .typed::<storefront::config::StorefrontSection>();
        assert_eq!(typed.unwrap().diagnosis.marketability_threshold, 70);
        let StorageSettings::Scylla(cql) = &section(&settings, "voucher").storage else {
            panic!("the voucher on a CQL store");
        };
        assert_eq!(cql.keyspace, "golmok_voucher");
        assert_eq!(
            settings.upstream("storefront").unwrap(),
            "http://storefront.internal"
        );
    }

    #[test]
    fn a_hyphenated_service_is_also_set_by_its_environment_spelling_which_wins() {
        // `GOLMOK__CREATOR_MEDIA__COMMISSIONS__HOLD_SECONDS` reads as `[creator_media]`.
        let settings = load(
            r#"
            [creator-media]
            listen = "127.0.0.1:9003"
            commissions = { hold_seconds = 600 }
            webhooks = { poll_ms = 100 }
            [creator_media.commissions]
            hold_seconds = 2
            "#,
        )
        .expect("valid settings");
        let media = section(&settings, "creator-media");
        assert_eq!(media.listen, SocketAddr::from(([127, 0, 0, 1], 9003)));
        let typed = media
            .clone()
            .typed::<creator_media::config::CreatorMediaSection>()
            .unwrap();
        assert_eq!(typed.commissions.hold_seconds, 2);
        assert_eq!(typed.webhooks.poll_ms, 100);
    }

    #[test]
    fn unknown_sections_keys_and_broken_rules_fail_at_load() {
        for (toml, named) in [
            ("[shop]\nlisten = \"127.0.0.1:1\"", "shop"),
            ("[storefront]\ncolour = \"red\"", "colour"),
            ("[voucher.fraud]\nburst = 3", "burst"),
            ("[voucher]\nhold_timeout_secs = 0", "hold_timeout_secs"),
            ("[upstreams]\nshop = \"http://x\"", "shop"),
            ("[storefront.storage]\nkind = \"sqlite\"", "sqlite"),
            (
                "[voucher.storage]\nkind = \"embedded\"\ncache_mib = 0",
                "STORAGE_CACHE_MIB_INVALID",
            ),
            (
                "[gateway.storage]\nkind = \"embedded\"\ncache_mib = -1",
                "STORAGE_CACHE_MIB_INVALID",
            ),
            ("[telemetry]\nsampling = 1", "sampling"),
            (
                "[telemetry]\notlp_endpoint = \"collector:4318\"",
                "TELEMETRY_ENDPOINT_INVALID",
            ),
            (
                "[telemetry]\nprotocol = \"grpc\"",
                "TELEMETRY_PROTOCOL_UNSUPPORTED",
            ),
            (
                "[telemetry]\nsampling_ratio = 2.0",
                "TELEMETRY_SAMPLING_RATIO_INVALID",
            ),
        ] {
            let error = load(toml).err().expect(toml).to_string();
            assert!(error.contains(named), "{toml}: {error}");
        }
    }

    #[test]
    fn telemetry_is_off_by_default_and_set_by_its_section() {
        let settings = load("").expect("defaults");
        assert!(!settings.telemetry.exports());
        let settings = load(
            r#"
            [telemetry]
            otlp_endpoint = "http://127.0.0.1:4318"
            service_name = "golmok-eu"
            sampling_ratio = 0.25
            "#,
        )
        .expect("valid settings");
        assert!(settings.telemetry.exports());
        assert_eq!(
            settings.telemetry.service_name.as_deref(),
            Some("golmok-eu")
        );
        assert_eq!(settings.telemetry.sampling_ratio, 0.25);
    }
}
