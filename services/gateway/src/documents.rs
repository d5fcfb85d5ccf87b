//! The parsed documents of the operations partners send again and again.
//!
//! Partner apps send the same few documents with different variables, and
//! parsing one costs more than running it against an in-process service.
//! Parsing and the limits' measure depend only on the document's text and the
//! operation chosen in it, so both are kept, bounded, keyed by that pair
//! (hashed, then compared in full: two texts never share an entry).
//! Validation is not kept: its result depends on the variables' values
//! (input coercion, `@skip(if: $x)`), so it runs for every request.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use async_graphql::parser::types::ExecutableDocument;
use quick_cache::Equivalent;
use quick_cache::sync::Cache;

/// A document that parsed and passed the limits' checks.
pub(crate) struct Checked {
    pub(crate) document: ExecutableDocument,
    /// Whether the chosen operation reads only the schema.
    pub(crate) introspection_only: bool,
}

/// Checked documents, at most `entries` of them, each at most
/// [`DocumentCache::MAX_QUERY_BYTES`] long; the least used are forgotten first.
#[derive(Clone)]
pub(crate) struct DocumentCache {
    entries: Option<Arc<Cache<Key, Arc<Checked>>>>,
}

impl std::fmt::Debug for DocumentCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.entries {
            Some(entries) => write!(f, "DocumentCache({} kept)", entries.len()),
            None => f.write_str("DocumentCache(off)"),
        }
    }
}

impl DocumentCache {
    /// Longer documents are checked every time rather than kept.
    pub(crate) const MAX_QUERY_BYTES: usize = 16 * 1024;

    /// A cache of `entries` documents; 0 keeps none.
    pub(crate) fn new(entries: usize) -> DocumentCache {
        DocumentCache {
            entries: (entries > 0).then(|| Arc::new(Cache::new(entries))),
        }
    }

    /// The checked document for `query` and `operation`, if kept.
    pub(crate) fn get(&self, query: &str, operation: Option<&str>) -> Option<Arc<Checked>> {
        self.entries.as_ref()?.get(&KeyRef { query, operation })
    }

    /// Keeps `checked` for `query` and `operation` (unless the query is too long).
    pub(crate) fn insert(&self, query: &str, operation: Option<&str>, checked: Checked) {
        if let Some(entries) = &self.entries
            && query.len() <= Self::MAX_QUERY_BYTES
        {
            let key = Key {
                query: query.to_owned(),
                operation: operation.map(str::to_owned),
            };
            entries.insert(key, Arc::new(checked));
        }
    }

    /// How many documents are kept.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.as_ref().map_or(0, |entries| entries.len())
    }
}

#[derive(PartialEq, Eq)]
pub(crate) struct Key {
    query: String,
    operation: Option<String>,
}

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        KeyRef {
            query: &self.query,
            operation: self.operation.as_deref(),
        }
        .hash(state);
    }
}

/// A [`Key`] looked up without copying the request's text.
#[derive(Hash)]
struct KeyRef<'a> {
    query: &'a str,
    operation: Option<&'a str>,
}

impl Equivalent<Key> for KeyRef<'_> {
    fn equivalent(&self, key: &Key) -> bool {
        self.query == key.query && self.operation == key.operation.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;

    use super::*;

    fn checked(query: &str) -> Checked {
        Checked {
            document: parse_query(query).expect("parses"),
            introspection_only: false,
        }
    }

    #[test]
    fn a_document_is_found_only_by_its_exact_text_and_operation() {
        let cache = DocumentCache::new(16);
        let query = "query A { viewer { role } } query B { viewer { subject } }";
        cache.insert(query, Some("A"), checked(query));
        assert!(cache.get(query, Some("A")).is_some());
        assert!(cache.get(query, Some("B")).is_none());
        assert!(cache.get(query, None).is_none());
        assert!(
            cache
                .get("query A { viewer { role } }", Some("A"))
                .is_none()
        );
    }

    #[test]
    fn the_cache_stays_within_its_bound_and_skips_long_documents() {
        let cache = DocumentCache::new(8);
        for n in 0..100 {
            let query = format!("{{ a{n}: viewer {{ role }} }}");
            cache.insert(&query, None, checked(&query));
        }
        assert!(cache.len() <= 8, "{} kept", cache.len());
        let long = format!(
            "{{ viewer {{ role }} }} #{}",
            "x".repeat(DocumentCache::MAX_QUERY_BYTES)
        );
        cache.insert(&long, None, checked(&long));
        assert!(cache.get(&long, None).is_none());
        let off = DocumentCache::new(0);
        off.insert("{ viewer { role } }", None, checked("{ viewer { role } }"));
        assert!(off.get("{ viewer { role } }", None).is_none());
    }
}
