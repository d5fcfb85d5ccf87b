//! Query limits checked after parsing and validation, before any resolver
//! runs: aliases, depth and complexity.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextPrepareRequest,
    NextValidation,
};
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, Selection, SelectionSet,
};
use async_graphql::{Name, Request, ServerError, ServerResult, ValidationResult, Variables};

use crate::config::LimitSettings;
use crate::errors::{coded_server_error, with_code};

/// The limits, as a schema extension.
#[derive(Debug, Clone, Copy)]
pub(crate) struct QueryLimits {
    max_depth: usize,
    max_complexity: usize,
    max_aliases: usize,
}

impl From<&LimitSettings> for QueryLimits {
    fn from(settings: &LimitSettings) -> QueryLimits {
        QueryLimits {
            max_depth: settings.max_depth,
            max_complexity: settings.max_complexity,
            max_aliases: settings.max_aliases,
        }
    }
}

impl ExtensionFactory for QueryLimits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(LimitCheck {
            limits: *self,
            state: Mutex::default(),
        })
    }
}

/// One request's check.
struct LimitCheck {
    limits: QueryLimits,
    state: Mutex<CheckState>,
}

#[derive(Default)]
struct CheckState {
    operation_name: Option<String>,
    introspection_only: bool,
}

#[async_trait::async_trait]
impl Extension for LimitCheck {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        self.state.lock().expect("limit state").operation_name = request.operation_name.clone();
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await.map_err(|mut error| {
            with_code(&mut error, "GRAPHQL_PARSE_FAILED");
            error
        })?;
        let mut state = self.state.lock().expect("limit state");
        if let Some(operation) = selected_operation(&document, state.operation_name.as_deref()) {
            let aliases = Walk::new(&document).aliases(&operation.selection_set.node);
            if aliases > self.limits.max_aliases {
                return Err(coded_server_error(
                    "ALIAS_LIMIT_EXCEEDED",
                    format!(
                        "the operation has {aliases} aliases; the limit is {}",
                        self.limits.max_aliases
                    ),
                ));
            }
            state.introspection_only =
                Walk::new(&document).introspection_only(&operation.selection_set.node);
        }
        Ok(document)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await.map_err(|errors| {
            errors
                .into_iter()
                .map(|mut error| {
                    with_code(&mut error, "GRAPHQL_VALIDATION_FAILED");
                    error
                })
                .collect::<Vec<_>>()
        })?;
        let introspection_only = self.state.lock().expect("limit state").introspection_only;
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

/// Walks an operation with its fragments expanded, each fragment analysed
/// once (so repeated spreads cost nothing to count) and cycles cut (the
/// validation rules report them).
struct Walk<'d> {
    document: &'d ExecutableDocument,
    fragment_aliases: HashMap<&'d str, usize>,
    visiting: Vec<&'d str>,
}

impl<'d> Walk<'d> {
    fn new(document: &'d ExecutableDocument) -> Walk<'d> {
        Walk {
            document,
            fragment_aliases: HashMap::new(),
            visiting: Vec::new(),
        }
    }

    /// Aliased fields, counting each spread of a fragment.
    fn aliases(&mut self, set: &'d SelectionSet) -> usize {
        let mut count = 0usize;
        for selection in &set.items {
            let inner = match &selection.node {
                Selection::Field(field) => {
                    usize::from(field.node.alias.is_some())
                        + self.aliases(&field.node.selection_set.node)
                }
                Selection::InlineFragment(fragment) => {
                    self.aliases(&fragment.node.selection_set.node)
                }
                Selection::FragmentSpread(spread) => {
                    self.fragment(spread.node.fragment_name.node.as_str())
                }
            };
            count = count.saturating_add(inner);
        }
        count
    }

    fn fragment(&mut self, name: &str) -> usize {
        if let Some(count) = self.fragment_aliases.get(name) {
            return *count;
        }
        let Some((name, fragment)) = self.document.fragments.get_key_value(name) else {
            return 0;
        };
        let name = name.as_str();
        if self.visiting.contains(&name) {
            return 0;
        }
        self.visiting.push(name);
        let count = self.aliases(&fragment.node.selection_set.node);
        self.visiting.pop();
        self.fragment_aliases.insert(name, count);
        count
    }

    /// True when every root field (through fragments) is an introspection field.
    fn introspection_only(&mut self, set: &'d SelectionSet) -> bool {
        set.items.iter().all(|selection| match &selection.node {
            Selection::Field(field) => field.node.name.node.starts_with("__"),
            Selection::InlineFragment(fragment) => {
                self.introspection_only(&fragment.node.selection_set.node)
            }
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.as_str();
                match self.document.fragments.get_key_value(name) {
                    Some((name, fragment)) if !self.visiting.contains(&name.as_str()) => {
                        self.visiting.push(name.as_str());
                        let only = self.introspection_only(&fragment.node.selection_set.node);
                        self.visiting.pop();
                        only
                    }
                    _ => true,
                }
            }
        })
    }
}
