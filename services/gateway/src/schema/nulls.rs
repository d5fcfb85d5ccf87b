//! Field errors as the GraphQL spec wants them: a field that fails is in the
//! response as `null` (its error carries its `path`), and a failing non-null
//! field makes its nearest nullable parent `null`.
//!
//! async-graphql 7 leaves a failed field out of its parent object instead
//! (`resolver_utils::container::do_resolve_container` records the error and
//! inserts nothing) and never propagates a non-null failure. This extension
//! wraps every field's resolution, so it applies to every field, argument
//! coercion error and nested object alike.

use std::sync::{Arc, Mutex};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextResolve, ResolveInfo,
};
use async_graphql::{PathSegment, QueryPathSegment, Response, ServerError, ServerResult, Value};

/// The extension; one [`NullCheck`] per request.
pub(crate) struct NullOnError;

impl ExtensionFactory for NullOnError {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(NullCheck::default())
    }
}

#[derive(Default)]
struct NullCheck {
    state: Mutex<NullState>,
}

#[derive(Default)]
struct NullState {
    /// Field errors turned into `null`, to be added to the response.
    errors: Vec<ServerError>,
    /// Paths of failed non-null positions whose `null` has not yet reached a
    /// nullable parent.
    pending: Vec<Vec<PathSegment>>,
}

/// Where a field's `null` lands, from its GraphQL type (`Merchant`,
/// `[OrderEdge!]!`, …).
struct FieldType<'a>(&'a str);

impl FieldType<'_> {
    fn nullable(&self) -> bool {
        !self.0.ends_with('!')
    }

    /// For a list type, whether its items may be `null`.
    fn nullable_items(&self) -> Option<bool> {
        let list = self.0.trim_end_matches('!');
        let items = list.strip_prefix('[')?.strip_suffix(']')?;
        Some(!items.ends_with('!'))
    }
}

fn path_of(info: &ResolveInfo<'_>) -> Vec<PathSegment> {
    let mut path: Vec<PathSegment> = std::iter::once(info.path_node)
        .chain(info.path_node.parents())
        .map(|node| match node.segment {
            QueryPathSegment::Name(name) => PathSegment::Field(name.to_owned()),
            QueryPathSegment::Index(index) => PathSegment::Index(index),
        })
        .collect();
    path.reverse();
    path
}

impl NullCheck {
    fn state(&self) -> std::sync::MutexGuard<'_, NullState> {
        // A poisoned lock only means another field panicked; the state is a
        // plain list and stays usable.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A field failed: record its error and answer `null` in its place.
    fn failed(&self, ty: &FieldType<'_>, path: Vec<PathSegment>, mut error: ServerError) -> Value {
        if error.path.is_empty() {
            error.path = path.clone();
        }
        let mut state = self.state();
        state.errors.push(error);
        if !ty.nullable() {
            state.pending.push(path);
        }
        Value::Null
    }

    /// A field resolved: absorb the non-null failures below it that this
    /// field (or one of its list items) can stand `null` for.
    fn resolved(&self, ty: &FieldType<'_>, path: &[PathSegment], mut value: Value) -> Value {
        let mut state = self.state();
        let (below, elsewhere): (Vec<_>, Vec<_>) = std::mem::take(&mut state.pending)
            .into_iter()
            .partition(|pending| pending.len() > path.len() && pending.starts_with(path));
        state.pending = elsewhere;
        for pending in below {
            match (ty.nullable_items(), &pending[path.len()], &mut value) {
                (Some(true), PathSegment::Index(index), Value::List(items)) => {
                    if let Some(item) = items.get_mut(*index) {
                        *item = Value::Null;
                    }
                }
                _ if ty.nullable() => value = Value::Null,
                _ => state.pending.push(pending),
            }
        }
        value
    }
}

#[async_trait::async_trait]
impl Extension for NullCheck {
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let mut response = next.run(ctx, operation_name).await;
        let mut state = self.state();
        if !state.pending.is_empty() {
            // A non-null root field failed: the whole `data` is null.
            response.data = Value::Null;
            state.pending.clear();
        }
        response.errors.append(&mut state.errors);
        response
    }

    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        let ty = FieldType(info.return_type);
        let path = path_of(&info);
        match next.run(ctx, info).await {
            Ok(Some(value)) => Ok(Some(self.resolved(&ty, &path, value))),
            Ok(None) => Ok(None),
            Err(error) => Ok(Some(self.failed(&ty, path, error))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_types_say_where_null_may_stand() {
        assert!(FieldType("Merchant").nullable());
        assert!(!FieldType("Int!").nullable());
        assert_eq!(FieldType("Int!").nullable_items(), None);
        assert_eq!(FieldType("[OrderEdge!]!").nullable_items(), Some(false));
        assert_eq!(FieldType("[Merchant]").nullable_items(), Some(true));
    }
}
