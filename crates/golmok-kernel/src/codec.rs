use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use std::marker::PhantomData;

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

/// A domain event in its wire form: the schema it follows and the payload.
#[derive(Debug, Clone, PartialEq)]
pub struct EncodedEvent {
    /// The event name, e.g. `MerchantRegistered`.
    pub name: &'static str,
    pub version: u32,
    pub data: Value,
}

#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    #[error("unknown event type {name} v{version}")]
    UnknownType { name: String, version: u32 },
    #[error("event {name} v{version} does not match its schema: {reason}")]
    Malformed {
        name: String,
        version: u32,
        reason: String,
    },
    #[error("event type attribute {0:?} is not of the form kr.golmok.<service>.<Event>.v<N>")]
    BadType(String),
}

/// Maps a service's domain events to and from the versioned JSON Schemas in
/// `schemas/events/<service>/`. Domain events never derive `Serialize`; this is
/// the one place that knows the wire format. Old versions are upcast in `decode`.
pub trait EventCodec: Send + Sync + 'static {
    type Event;
    /// The service name used in `source` and `type`.
    const SERVICE: &'static str;

    fn encode(event: &Self::Event) -> EncodedEvent;

    /// Decodes any published version of `name`, upcasting old ones.
    fn decode(name: &str, version: u32, data: Value) -> Result<Self::Event, CodecError>;

    /// The JSON Schema of every current event type: `(name, version, schema)`.
    fn schemas() -> Vec<(&'static str, u32, Value)>;

    fn event_type(name: &str, version: u32) -> String {
        format!("kr.golmok.{}.{name}.v{version}", Self::SERVICE)
    }

    fn source() -> String {
        format!("/golmok/{}", Self::SERVICE)
    }

    /// Decodes from a full `type` attribute.
    fn decode_type(event_type: &str, data: Value) -> Result<Self::Event, CodecError> {
        let (rest, version) = event_type
            .rsplit_once(".v")
            .ok_or_else(|| CodecError::BadType(event_type.to_owned()))?;
        let version: u32 = version
            .parse()
            .map_err(|_| CodecError::BadType(event_type.to_owned()))?;
        let (_, name) = rest
            .rsplit_once('.')
            .ok_or_else(|| CodecError::BadType(event_type.to_owned()))?;
        Self::decode(name, version, data)
    }
}

/// At least one sample of every current event type, in schema order: the
/// data the schema corpus and the round-trip tests are generated from. Test
/// code, so services implement it only under `cfg(test)` or their `samples`
/// feature.
pub trait EventSamples: EventCodec {
    fn samples() -> Vec<Self::Event>;
}

/// The names of one aggregate's event types, as its service's
/// [`event_table!`](crate::event_table) lists them.
pub trait AggregateEvents {
    const NAMES: &'static [&'static str];
}

/// Decodes a wire struct from a payload, mapping serde errors to [`CodecError`].
pub fn from_wire<T: serde::de::DeserializeOwned>(
    name: &str,
    version: u32,
    data: Value,
) -> Result<T, CodecError> {
    serde_json::from_value(data).map_err(|error| CodecError::Malformed {
        name: name.to_owned(),
        version,
        reason: error.to_string(),
    })
}

/// A mismatch between a codec and the committed corpus in `schemas/events/`.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SchemaCheckError(String);

/// The committed schema corpus of one service: `<Name>.v<N>.schema.json` and
/// `<Name>.v<N>.sample.json` for every version ever published.
pub struct SchemaCatalog {
    dir: PathBuf,
}

impl SchemaCatalog {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// Checks the codec against the corpus: committed schemas and current
    /// samples equal what the code generates, every sample validates against its
    /// schema, and every committed sample of every version decodes (upcasts) and
    /// re-encodes to a payload valid under the current schema.
    ///
    /// With `GOLMOK_UPDATE_SCHEMAS=1` the current schemas and samples are written
    /// first; files of older versions are never touched.
    pub fn check<C: EventSamples>(&self) -> Result<usize, SchemaCheckError> {
        let update = std::env::var("GOLMOK_UPDATE_SCHEMAS").is_ok_and(|v| v == "1");
        let mut problems = String::new();
        let schemas = C::schemas();
        let mut samples_seen = std::collections::BTreeSet::new();

        if update {
            std::fs::create_dir_all(&self.dir).map_err(|e| SchemaCheckError(e.to_string()))?;
            for (name, version, schema) in &schemas {
                write_json(&self.schema_path(name, *version), schema)?;
            }
            for event in C::samples() {
                let encoded = C::encode(&event);
                write_json(
                    &self.sample_path(encoded.name, encoded.version),
                    &encoded.data,
                )?;
            }
        }

        for (name, version, schema) in &schemas {
            match read_json(&self.schema_path(name, *version)) {
                Ok(committed) if &committed == schema => {}
                Ok(_) => {
                    let _ = writeln!(
                        problems,
                        "{name} v{version}: committed schema differs from the code"
                    );
                }
                Err(e) => {
                    let _ = writeln!(problems, "{name} v{version}: {e}");
                }
            }
        }
        for event in C::samples() {
            let encoded = C::encode(&event);
            samples_seen.insert((encoded.name, encoded.version));
            match read_json(&self.sample_path(encoded.name, encoded.version)) {
                Ok(committed) if committed == encoded.data => {}
                Ok(_) => {
                    let _ = writeln!(
                        problems,
                        "{} v{}: committed sample differs from the code",
                        encoded.name, encoded.version
                    );
                }
                Err(e) => {
                    let _ = writeln!(problems, "{} v{}: {e}", encoded.name, encoded.version);
                }
            }
        }
        for (name, version, _) in &schemas {
            if !samples_seen.contains(&(*name, *version)) {
                let _ = writeln!(problems, "{name} v{version}: the codec has no sample");
            }
        }

        let mut checked = 0;
        for path in self.files_ending(".sample.json")? {
            let Some((name, version)) = parse_file_name(&path, ".sample.json") else {
                let _ = writeln!(
                    problems,
                    "{}: name is not <Event>.v<N>.sample.json",
                    path.display()
                );
                continue;
            };
            let sample = read_json(&path)?;
            match validator(&self.schema_path(&name, version)) {
                Ok(v) => {
                    if let Err(e) = v.validate(&sample) {
                        let _ = writeln!(
                            problems,
                            "{name} v{version}: sample violates its schema: {e}"
                        );
                    }
                }
                Err(e) => {
                    let _ = writeln!(problems, "{name} v{version}: {e}");
                    continue;
                }
            }
            match C::decode(&name, version, sample) {
                Ok(event) => {
                    let current = C::encode(&event);
                    match validator(&self.schema_path(current.name, current.version)) {
                        Ok(v) if v.is_valid(&current.data) => checked += 1,
                        Ok(_) => {
                            let _ = writeln!(
                                problems,
                                "{name} v{version}: upcast payload violates the current schema"
                            );
                        }
                        Err(e) => {
                            let _ = writeln!(problems, "{name} v{version}: {e}");
                        }
                    }
                }
                Err(e) => {
                    let _ = writeln!(problems, "{name} v{version}: {e}");
                }
            }
        }
        for path in self.files_ending(".schema.json")? {
            if let Some((name, version)) = parse_file_name(&path, ".schema.json")
                && !self.sample_path(&name, version).exists()
            {
                let _ = writeln!(problems, "{name} v{version}: schema without a sample");
            }
        }

        if problems.is_empty() {
            Ok(checked)
        } else {
            Err(SchemaCheckError(format!(
                "{problems}(run with GOLMOK_UPDATE_SCHEMAS=1 to regenerate current versions)"
            )))
        }
    }

    fn schema_path(&self, name: &str, version: u32) -> PathBuf {
        self.dir.join(format!("{name}.v{version}.schema.json"))
    }

    fn sample_path(&self, name: &str, version: u32) -> PathBuf {
        self.dir.join(format!("{name}.v{version}.sample.json"))
    }

    fn files_ending(&self, suffix: &str) -> Result<Vec<PathBuf>, SchemaCheckError> {
        let entries = std::fs::read_dir(&self.dir)
            .map_err(|e| SchemaCheckError(format!("{}: {e}", self.dir.display())))?;
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| p.to_string_lossy().ends_with(suffix))
            .collect();
        paths.sort();
        Ok(paths)
    }
}

fn parse_file_name(path: &Path, suffix: &str) -> Option<(String, u32)> {
    let file = path.file_name()?.to_str()?.strip_suffix(suffix)?;
    let (name, version) = file.rsplit_once(".v")?;
    Some((name.to_owned(), version.parse().ok()?))
}

fn read_json(path: &Path) -> Result<Value, SchemaCheckError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| SchemaCheckError(format!("{}: {e}", path.display())))?;
    serde_json::from_str(&text).map_err(|e| SchemaCheckError(format!("{}: {e}", path.display())))
}

fn write_json(path: &Path, value: &Value) -> Result<(), SchemaCheckError> {
    let mut text =
        serde_json::to_string_pretty(value).map_err(|e| SchemaCheckError(e.to_string()))?;
    text.push('\n');
    std::fs::write(path, text).map_err(|e| SchemaCheckError(format!("{}: {e}", path.display())))
}

fn validator(schema_path: &Path) -> Result<jsonschema::Validator, SchemaCheckError> {
    let schema = read_json(schema_path)?;
    jsonschema::validator_for(&schema)
        .map_err(|e| SchemaCheckError(format!("{}: {e}", schema_path.display())))
}

/// The payload of `name` at `version`, from its wire struct.
pub fn encoded<T: Serialize>(name: &'static str, version: u32, wire: T) -> EncodedEvent {
    EncodedEvent {
        name,
        version,
        data: serde_json::to_value(wire).expect("wire structs serialize"),
    }
}

/// The JSON Schema of `name` at `version`, generated from its wire struct.
pub fn schema<T: JsonSchema>(name: &'static str, version: u32) -> (&'static str, u32, Value) {
    let schema = schemars::schema_for!(T);
    (
        name,
        version,
        serde_json::to_value(schema).expect("schemas serialize"),
    )
}

/// The codec of one aggregate's events: a service codec `S` narrowed to `E`,
/// as the kernel's `CommandHandler` needs a codec per decider. Generic over
/// the service, so every service narrows its codec the same way.
pub struct AggregateCodec<S, E>(PhantomData<fn() -> (S, E)>);

impl<S, E> EventCodec for AggregateCodec<S, E>
where
    S: EventCodec,
    E: Into<S::Event> + TryFrom<S::Event> + AggregateEvents + Clone + 'static,
{
    type Event = E;
    const SERVICE: &'static str = S::SERVICE;

    fn encode(event: &E) -> EncodedEvent {
        S::encode(&event.clone().into())
    }

    fn decode(name: &str, version: u32, data: Value) -> Result<E, CodecError> {
        E::try_from(S::decode(name, version, data)?).map_err(|_| CodecError::UnknownType {
            name: name.to_owned(),
            version,
        })
    }

    fn schemas() -> Vec<(&'static str, u32, Value)> {
        S::schemas()
            .into_iter()
            .filter(|(name, _, _)| E::NAMES.contains(name))
            .collect()
    }
}

impl<S, E> EventSamples for AggregateCodec<S, E>
where
    S: EventSamples,
    E: Into<S::Event> + TryFrom<S::Event> + AggregateEvents + Clone + 'static,
{
    fn samples() -> Vec<E> {
        S::samples()
            .into_iter()
            .filter_map(|e| E::try_from(e).ok())
            .collect()
    }
}
