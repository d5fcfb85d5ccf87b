//! Query limits, all checked before any resolver runs.
//!
//! async-graphql's validation measures depth and complexity by walking the
//! operation with every fragment spread expanded in place, so a kilobyte of
//! fragments that each spread the next one twice costs exponential time
//! before any limit can refuse it. Everything that must bound that work is
//! therefore measured first, on the parsed document, in time proportional to
//! its length: each fragment's expanded size is computed once and reused at
//! every spread ([`Measure`]). Depth and complexity are then checked on
//! validation's own figures.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::Semaphore;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextPrepareRequest,
    NextValidation,
};
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, Selection, SelectionSet,
};
use async_graphql::{Name, Request, ServerError, ServerResult, ValidationResult, Variables};

use crate::config::LimitSettings;
use crate::documents::{Checked, DocumentCache};
use crate::errors::{coded_server_error, with_code};

/// The limits, as a schema extension.
#[derive(Debug, Clone)]
pub(crate) struct QueryLimits {
    max_depth: usize,
    max_complexity: usize,
    max_aliases: usize,
    max_expanded_fields: usize,
    /// Parsing and validation are synchronous and hold a runtime worker
    /// while they run: at most this many run at once (one fewer than the
    /// cores), so that one worker is always free for `/livez`, `/readyz`
    /// and the other requests.
    checking: Arc<Semaphore>,
    /// Documents already parsed and measured.
    documents: DocumentCache,
}

impl From<&LimitSettings> for QueryLimits {
    fn from(settings: &LimitSettings) -> QueryLimits {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        QueryLimits {
            max_depth: settings.max_depth,
            max_complexity: settings.max_complexity,
            max_aliases: settings.max_aliases,
            max_expanded_fields: settings.max_expanded_fields,
            checking: Arc::new(Semaphore::new(cores.saturating_sub(1).max(1))),
            documents: DocumentCache::new(settings.document_cache_entries),
        }
    }
}

impl ExtensionFactory for QueryLimits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(LimitCheck {
            limits: self.clone(),
            introspection_only: Mutex::default(),
        })
    }
}

/// One request's check.
struct LimitCheck {
    limits: QueryLimits,
    /// Whether the operation to run reads only the schema (set before validation).
    introspection_only: Mutex<bool>,
}

impl LimitCheck {
    /// Refuses a document whose size once expanded, or whose aliases, exceed
    /// the limits; otherwise answers whether it only introspects.
    fn check(&self, document: &ExecutableDocument, operation: Option<&str>) -> ServerResult<bool> {
        let measure = Measure::of(document, operation).map_err(|Cycle(fragment)| {
            coded_server_error(
                "GRAPHQL_VALIDATION_FAILED",
                format!(
                    "fragment \"{fragment}\" spreads itself, directly or through other fragments"
                ),
            )
        })?;
        if measure.expanded > self.limits.max_expanded_fields {
            return Err(coded_server_error(
                "QUERY_TOO_COMPLEX",
                format!(
                    "the document asks for more than {} fields once its fragments are spread out; ask for fewer or split it into several requests",
                    self.limits.max_expanded_fields
                ),
            ));
        }
        if measure.aliases > self.limits.max_aliases {
            return Err(coded_server_error(
                "ALIAS_LIMIT_EXCEEDED",
                format!(
                    "the operation has {} aliases; the limit is {}",
                    measure.aliases, self.limits.max_aliases
                ),
            ));
        }
        Ok(measure.introspection_only)
    }

    fn remember_introspection_only(&self, introspection_only: bool) {
        *self
            .introspection_only
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = introspection_only;
    }
}

#[async_trait::async_trait]
impl Extension for LimitCheck {
    /// Parses the document here, so that it is measured before async-graphql
    /// walks it (its recursion-depth check expands fragments too); the
    /// parsed document is handed on and not parsed again. A document nested
    /// too deep for the parser's recursion is refused before parsing.
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        // The semaphore is never closed; without a permit the check runs all the same.
        let documents = &self.limits.documents;
        let operation = request.operation_name.clone();
        if let Some(checked) = documents.get(&request.query, operation.as_deref()) {
            self.remember_introspection_only(checked.introspection_only);
            request.set_parsed_query(checked.document.clone());
            return next.run(ctx, request).await;
        }
        let permit = self.limits.checking.acquire().await.ok();
        let nesting = bracket_nesting(&request.query);
        if nesting > MAX_NESTING {
            return Err(coded_server_error(
                "GRAPHQL_PARSE_FAILED",
                format!("the document nests brackets {nesting} deep; the limit is {MAX_NESTING}"),
            ));
        }
        let document = request.parsed_query().map_err(parse_failure)?;
        let introspection_only = self.check(document, operation.as_deref())?;
        self.remember_introspection_only(introspection_only);
        let checked = Checked {
            document: document.clone(),
            introspection_only,
        };
        documents.insert(&request.query, operation.as_deref(), checked);
        drop(permit);
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        next.run(ctx, query, variables).await.map_err(parse_failure)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let permit = self.limits.checking.acquire().await.ok();
        let result = next.run(ctx).await;
        drop(permit);
        let result = result.map_err(|errors| {
            // A document can be written to fail one rule per byte or two:
            // the first few errors say what is wrong without the answer
            // growing larger than the document.
            errors
                .into_iter()
                .take(MAX_REPORTED_ERRORS)
                .map(|mut error| {
                    with_code(&mut error, "GRAPHQL_VALIDATION_FAILED");
                    error
                })
                .collect::<Vec<_>>()
        })?;
        let introspection_only = *self
            .introspection_only
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // Introspection reads only the schema, and GraphiQL's own query is
        // deeper than any sensible data query: its depth is not limited.
        if !introspection_only && result.depth > self.limits.max_depth {
            return Err(vec![coded_server_error(
                "DEPTH_LIMIT_EXCEEDED",
                format!(
                    "the operation is nested {} deep; the limit is {}",
                    result.depth, self.limits.max_depth
                ),
            )]);
        }
        if result.complexity > self.limits.max_complexity {
            return Err(vec![coded_server_error(
                "COMPLEXITY_LIMIT_EXCEEDED",
                format!(
                    "the operation's complexity is {}; the limit is {}",
                    result.complexity, self.limits.max_complexity
                ),
            )]);
        }
        Ok(result)
    }
}

/// A parse error with its code, and a sentence instead of the parser's
/// report, which quotes the whole line (all of a one-line document); the
/// position stays in `locations`.
fn parse_failure(mut error: ServerError) -> ServerError {
    if let Some((_, expected)) = error.message.rsplit_once("= ") {
        error.message = format!("the document is not valid GraphQL: {}", expected.trim());
    }
    with_code(&mut error, "GRAPHQL_PARSE_FAILED");
    error
}

/// Most validation errors reported for one document.
const MAX_REPORTED_ERRORS: usize = 20;

/// Deepest bracket nesting (`{`, `[`, `(`) a document may have. The parser
/// recurses once per level and a few thousand levels of nested list values
/// overflow a thread's stack; selection sets nest at most 64 deep anyway.
const MAX_NESTING: usize = 128;

/// How deep `{`, `[` and `(` nest in `query`, outside strings and comments,
/// in one pass; unbalanced closers count as nothing (the parser reports them).
fn bracket_nesting(query: &str) -> usize {
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Lexeme {
        Code,
        Comment,
        String,
        BlockString,
    }
    let bytes = query.as_bytes();
    let mut state = Lexeme::Code;
    let (mut depth, mut deepest) = (0usize, 0usize);
    let mut at = 0;
    while let Some(&byte) = bytes.get(at) {
        let rest = &bytes[at..];
        match (state, byte) {
            (Lexeme::Code, b'#') => state = Lexeme::Comment,
            (Lexeme::Code, b'"') if rest.starts_with(b"\"\"\"") => {
                state = Lexeme::BlockString;
                at += 2;
            }
            (Lexeme::Code, b'"') => state = Lexeme::String,
            (Lexeme::Code, b'{' | b'[' | b'(') => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            (Lexeme::Code, b'}' | b']' | b')') => depth = depth.saturating_sub(1),
            (Lexeme::Comment, b'\n' | b'\r') => state = Lexeme::Code,
            (Lexeme::String, b'\\') => at += 1,
            (Lexeme::String, b'"' | b'\n' | b'\r') => state = Lexeme::Code,
            (Lexeme::BlockString, b'\\') if rest.starts_with(b"\\\"\"\"") => at += 3,
            (Lexeme::BlockString, b'"') if rest.starts_with(b"\"\"\"") => {
                state = Lexeme::Code;
                at += 2;
            }
            _ => {}
        }
        at += 1;
    }
    deepest
}

/// A fragment that spreads itself, directly or through others.
#[derive(Debug, PartialEq, Eq)]
struct Cycle(String);

/// What the limits need to know of a document, found in time proportional
/// to its length.
#[derive(Debug, PartialEq, Eq)]
struct Measure {
    /// Fields, inline fragments and fragment spreads of every operation and
    /// every fragment definition, with each spread counting the fragment's
    /// own expanded size: what validation walks, as it checks every
    /// operation and every fragment of the document. Saturates.
    expanded: usize,
    /// Aliased fields of the operation to run, fragments expanded.
    aliases: usize,
    /// Whether every root field of the operation to run is an introspection field.
    introspection_only: bool,
}

impl Measure {
    /// Measures `document`, whose operation `operation` (or its only one) will run.
    fn of(document: &ExecutableDocument, operation: Option<&str>) -> Result<Measure, Cycle> {
        let fragments = fragment_tallies(document)?;
        let mut expanded = fragments
            .values()
            .fold(0usize, |sum, tally| sum.saturating_add(tally.selections));
        for (_, definition) in document.operations.iter() {
            let tally = Local::of(&definition.node.selection_set.node).expand(&fragments);
            expanded = expanded.saturating_add(tally.selections);
        }
        let selected = selected_operation(document, operation)
            .map(|definition| Local::of(&definition.selection_set.node).expand(&fragments));
        Ok(Measure {
            expanded,
            aliases: selected.map_or(0, |tally| tally.aliases),
            introspection_only: selected.is_some_and(|tally| tally.introspection_only),
        })
    }
}

fn selected_operation<'d>(
    document: &'d ExecutableDocument,
    name: Option<&str>,
) -> Option<&'d OperationDefinition> {
    match (&document.operations, name) {
        (DocumentOperations::Single(operation), _) => Some(&operation.node),
        (DocumentOperations::Multiple(operations), Some(name)) => operations
            .get(&Name::new(name))
            .map(|operation| &operation.node),
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
            operations.values().next().map(|operation| &operation.node)
        }
        (DocumentOperations::Multiple(_), None) => None,
    }
}

/// A definition's figures, spreads expanded or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Tally {
    selections: usize,
    aliases: usize,
    introspection_only: bool,
}

/// Where a selection sits in its definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    /// Among the definition's root selections (through inline fragments).
    Root,
    /// Under a field.
    Nested,
}

/// One definition's own selections, its spreads not yet expanded.
struct Local<'d> {
    tally: Tally,
    spreads: Vec<(&'d str, Level)>,
}

impl<'d> Local<'d> {
    /// Walks `set` once. The parser bounds how deep selection sets nest, so
    /// this recursion is shallow; fragment chains are followed without
    /// recursion by [`fragment_tallies`].
    fn of(set: &'d SelectionSet) -> Local<'d> {
        let mut local = Local {
            tally: Tally {
                selections: 0,
                aliases: 0,
                introspection_only: true,
            },
            spreads: Vec::new(),
        };
        local.add(set, Level::Root);
        local
    }

    fn add(&mut self, set: &'d SelectionSet, level: Level) {
        for selection in &set.items {
            self.tally.selections = self.tally.selections.saturating_add(1);
            match &selection.node {
                Selection::Field(field) => {
                    if field.node.alias.is_some() {
                        self.tally.aliases = self.tally.aliases.saturating_add(1);
                    }
                    if level == Level::Root && !field.node.name.node.starts_with("__") {
                        self.tally.introspection_only = false;
                    }
                    self.add(&field.node.selection_set.node, Level::Nested);
                }
                Selection::InlineFragment(fragment) => {
                    self.add(&fragment.node.selection_set.node, level);
                }
                Selection::FragmentSpread(spread) => {
                    self.spreads
                        .push((spread.node.fragment_name.node.as_str(), level));
                }
            }
        }
    }

    /// The tally with every spread replaced by its fragment's expanded
    /// tally; spreads of unknown fragments add nothing (validation reports them).
    fn expand(&self, fragments: &HashMap<&str, Tally>) -> Tally {
        let mut tally = self.tally;
        for (name, level) in &self.spreads {
            let Some(fragment) = fragments.get(name) else {
                continue;
            };
            tally.selections = tally.selections.saturating_add(fragment.selections);
            tally.aliases = tally.aliases.saturating_add(fragment.aliases);
            if *level == Level::Root {
                tally.introspection_only &= fragment.introspection_only;
            }
        }
        tally
    }
}

/// Every fragment's tally with its spreads expanded, each fragment computed
/// once (a depth-first walk over the spread graph with an explicit stack, so
/// a long chain of fragments cannot exhaust the thread's stack); a cycle is
/// refused.
fn fragment_tallies(document: &ExecutableDocument) -> Result<HashMap<&str, Tally>, Cycle> {
    let locals: HashMap<&str, Local<'_>> = document
        .fragments
        .iter()
        .map(|(name, fragment)| (name.as_str(), Local::of(&fragment.node.selection_set.node)))
        .collect();
    let mut tallies: HashMap<&str, Tally> = HashMap::with_capacity(locals.len());
    let mut in_progress: HashSet<&str> = HashSet::new();
    let mut stack: Vec<(&str, usize)> = Vec::new();
    for &start in locals.keys() {
        if tallies.contains_key(start) {
            continue;
        }
        in_progress.insert(start);
        stack.push((start, 0));
        while let Some(&(name, next)) = stack.last() {
            let Some(local) = locals.get(name) else {
                stack.pop();
                continue;
            };
            match local.spreads.get(next) {
                Some(&(target, _)) => {
                    if let Some(top) = stack.last_mut() {
                        top.1 = next + 1;
                    }
                    if tallies.contains_key(target) || !locals.contains_key(target) {
                        continue;
                    }
                    if !in_progress.insert(target) {
                        return Err(Cycle(target.to_owned()));
                    }
                    stack.push((target, 0));
                }
                None => {
                    tallies.insert(name, local.expand(&tallies));
                    in_progress.remove(name);
                    stack.pop();
                }
            }
        }
    }
    Ok(tallies)
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use async_graphql::parser::parse_query;

    use super::*;

    fn measure(query: &str) -> Result<Measure, Cycle> {
        Measure::of(&parse_query(query).expect("parses"), None)
    }

    /// `query{...F0} fragment F0 on Query{...F1 ...F1} … fragment Fn on Query{__typename}`.
    fn fan_out(levels: usize) -> String {
        let mut query = String::from("query { ...F0 }");
        for level in 0..levels {
            let next = level + 1;
            query.push_str(&format!(
                " fragment F{level} on Query {{ ...F{next} ...F{next} }}"
            ));
        }
        query.push_str(&format!(" fragment F{levels} on Query {{ __typename }}"));
        query
    }

    #[test]
    fn counts_every_selection_once_per_spread() {
        let measured = measure(
            "{ a: viewer { subject } ...F ...F } fragment F on Query { b: viewer { role } }",
        )
        .expect("no cycle");
        // Operation: a, subject, 2 spreads, 2 × F (2); F itself: 2.
        assert_eq!(measured.expanded, 10);
        assert_eq!(measured.aliases, 3);
        assert!(!measured.introspection_only);
    }

    #[test]
    fn fan_out_is_measured_in_linear_time_and_saturates() {
        let started = Instant::now();
        let measured = measure(&fan_out(2_000)).expect("no cycle");
        assert_eq!(measured.expanded, usize::MAX);
        assert!(started.elapsed() < Duration::from_secs(1));
        let small = measure(&fan_out(3)).expect("no cycle");
        // F3 = 1, F2 = 2 + 2 × 1, F1 = 2 + 2 × 4, F0 = 2 + 2 × 10; the
        // operation is its spread and F0.
        assert_eq!(small.expanded, (1 + 22) + 22 + 10 + 4 + 1);
    }

    #[test]
    fn cycles_are_refused() {
        let cycle = measure("{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }")
            .expect_err("a cycle");
        assert!(["A", "B"].contains(&cycle.0.as_str()), "{cycle:?}");
        assert!(measure("{ ...A } fragment A on Query { viewer { ...A } }").is_err());
    }

    #[test]
    fn nesting_is_counted_outside_strings_and_comments() {
        assert_eq!(bracket_nesting("{ a(x: [[1]]) { b } }"), 4);
        assert_eq!(bracket_nesting(r#"{ a(x: "{{{[[[\"{{") }"#), 2);
        assert_eq!(
            bracket_nesting("{ a(x: \"\"\"{{{ \\\"\"\" {{ \"\"\") } # {{{{\n"),
            2
        );
        assert_eq!(bracket_nesting("}}}{"), 1);
        // Parsing this many nested lists would overflow the stack.
        let deep = format!("{{ a(x: {}{}) }}", "[".repeat(5_000), "]".repeat(5_000));
        assert_eq!(bracket_nesting(&deep), 5_002);
    }

    #[test]
    fn introspection_is_seen_through_fragments() {
        let measured = measure(
            "{ ...S } fragment S on Query { ... on Query { __schema { types { name } } } }",
        )
        .expect("no cycle");
        assert!(measured.introspection_only);
        let mixed =
            measure("{ ...S } fragment S on Query { __schema { types { name } } viewer { role } }")
                .expect("no cycle");
        assert!(!mixed.introspection_only);
    }
}
