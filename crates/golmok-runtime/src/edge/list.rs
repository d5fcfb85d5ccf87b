use std::collections::BTreeMap;
use std::marker::PhantomData;

use super::Json;
use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use chrono::NaiveDate;
use golmok_kernel::{ListPage, PageRequest};
use uuid::Uuid;

use super::ApiError;

const DEFAULT_PAGE: usize = 20;
const MAX_PAGE: usize = 100;

/// A path id; anything that is not a UUID names nothing, hence `code` (404).
pub fn path_id(text: &str, code: &'static str, what: &'static str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(text).map_err(|_| ApiError::not_found(code, what))
}

/// How a service writes the cursors of its lists. A cursor that this
/// service did not give out is refused with `400 INVALID_CURSOR`.
pub trait Cursors {
    /// The cursor partners see for a table position.
    fn cursor(position: String) -> String;

    /// The table position inside `cursor`; `None` for anything else.
    fn position(cursor: &str) -> Option<String>;

    /// A list page as partners see it.
    fn listed<T>(mut page: ListPage<T>) -> Json<ListPage<T>> {
        page.next_cursor = page.next_cursor.map(Self::cursor);
        Json(page)
    }
}

/// Cursors that are the listed rows' UUIDs, as they are.
pub enum UuidCursors {}

impl Cursors for UuidCursors {
    fn cursor(position: String) -> String {
        position
    }

    fn position(cursor: &str) -> Option<String> {
        Uuid::parse_str(cursor).ok().map(|id| id.to_string())
    }
}

/// Opaque cursors: the table position hex-encoded behind a version mark, so
/// a cursor is only ever one this service gave out.
pub enum OpaqueCursors {}

/// Marks (and versions) opaque cursors.
const CURSOR_PREFIX: &str = "v1.";

impl Cursors for OpaqueCursors {
    fn cursor(position: String) -> String {
        let hex: String = position.bytes().map(|b| format!("{b:02x}")).collect();
        format!("{CURSOR_PREFIX}{hex}")
    }

    fn position(cursor: &str) -> Option<String> {
        let hex = cursor.strip_prefix(CURSOR_PREFIX)?.as_bytes();
        if hex.is_empty() || hex.len() % 2 != 0 {
            return None;
        }
        let bytes = hex
            .chunks(2)
            .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok())
            .collect::<Option<Vec<u8>>>()?;
        String::from_utf8(bytes).ok()
    }
}

/// Query parameters of a list route, whose cursors are written as `C` says.
pub struct ListParams<C: Cursors = UuidCursors> {
    params: BTreeMap<String, String>,
    cursors: PhantomData<fn() -> C>,
}

impl<S: Send + Sync, C: Cursors> FromRequestParts<S> for ListParams<C> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Query(params) = Query::<BTreeMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|e| {
                tracing::info!(detail = %e.body_text(), "query string refused");
                ApiError::bad_input("INVALID_QUERY", "the query string cannot be read")
            })?;
        Ok(ListParams {
            params,
            cursors: PhantomData,
        })
    }
}

impl<C: Cursors> ListParams<C> {
    /// `first`, 1 to `max` (`default` when absent); anything else is
    /// `400 INVALID_PAGE_SIZE` on `first`.
    pub fn first(&self, default: usize, max: usize) -> Result<usize, ApiError> {
        match self.params.get("first") {
            None => Ok(default),
            Some(text) => text
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .ok_or_else(|| {
                    ApiError::bad_request(
                        "INVALID_PAGE_SIZE",
                        "first",
                        format!("first must be between 1 and {max}"),
                    )
                }),
        }
    }

    /// `first` (1..=100, default 20) and the cursor `after`.
    pub fn page(&self) -> Result<PageRequest, ApiError> {
        let first = self.first(DEFAULT_PAGE, MAX_PAGE)?;
        let after = self
            .params
            .get("after")
            .map(|cursor| {
                C::position(cursor).ok_or_else(|| {
                    ApiError::bad_request("INVALID_CURSOR", "after", "not a cursor of this list")
                })
            })
            .transpose()?;
        Ok(PageRequest { first, after })
    }

    /// A list page as partners see it, its next cursor written as `C` says.
    pub fn listed<T>(&self, page: ListPage<T>) -> Json<ListPage<T>> {
        C::listed(page)
    }

    /// An optional text parameter; empty reads as absent.
    pub fn text(&self, name: &str) -> Option<String> {
        self.params.get(name).filter(|v| !v.is_empty()).cloned()
    }

    /// A required text parameter.
    pub fn required(&self, name: &str) -> Result<&str, ApiError> {
        self.params
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| {
                ApiError::bad_request("FIELD_REQUIRED", name, format!("{name} is required"))
            })
    }

    /// An optional `true` / `false` parameter, `false` when absent.
    pub fn flag(&self, name: &str) -> Result<bool, ApiError> {
        match self.params.get(name).map(String::as_str) {
            None | Some("false") => Ok(false),
            Some("true") => Ok(true),
            Some(_) => Err(ApiError::bad_request(
                "INVALID_PARAMETER",
                name,
                format!("{name} is true or false"),
            )),
        }
    }

    /// An optional `YYYY-MM-DD` parameter.
    pub fn date(&self, name: &str) -> Result<Option<NaiveDate>, ApiError> {
        self.params
            .get(name)
            .map(|text| {
                text.parse().map_err(|_| {
                    ApiError::bad_request(
                        "INVALID_PARAMETER",
                        name,
                        format!("{name} is a date YYYY-MM-DD"),
                    )
                })
            })
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params<C: Cursors>(pairs: &[(&str, &str)]) -> ListParams<C> {
        ListParams {
            params: pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            cursors: PhantomData,
        }
    }

    fn refused<C: Cursors>(pairs: &[(&str, &str)]) -> (String, Option<String>) {
        let error = params::<C>(pairs).page().unwrap_err();
        (error.body().code.clone(), error.body().field.clone())
    }

    #[test]
    fn opaque_cursors_are_the_services_own() {
        let page = OpaqueCursors::listed(ListPage::<u8> {
            items: vec![],
            next_cursor: Some("2024-01-01|ab:cd".into()),
        });
        let cursor = page.0.next_cursor.unwrap();
        assert_eq!(
            OpaqueCursors::position(&cursor).as_deref(),
            Some("2024-01-01|ab:cd")
        );
        for forged in ["", "v1.", "v1.0", "v1.zz", "2024-01-01|ab:cd", "v1.ff"] {
            assert_eq!(OpaqueCursors::position(forged), None, "{forged:?}");
        }
        let after = params::<OpaqueCursors>(&[("after", &cursor)])
            .page()
            .unwrap();
        assert_eq!(after.after.as_deref(), Some("2024-01-01|ab:cd"));
    }

    #[test]
    fn a_cursor_of_another_format_is_refused() {
        let uuid = Uuid::now_v7().to_string();
        let opaque = OpaqueCursors::cursor(uuid.clone());
        let invalid = ("INVALID_CURSOR".to_owned(), Some("after".to_owned()));
        assert_eq!(refused::<UuidCursors>(&[("after", &opaque)]), invalid);
        assert_eq!(refused::<UuidCursors>(&[("after", "garbage")]), invalid);
        assert_eq!(refused::<OpaqueCursors>(&[("after", &uuid)]), invalid);
        let page = params::<UuidCursors>(&[("after", &uuid)]).page().unwrap();
        assert_eq!(page.after, Some(uuid));
    }

    #[test]
    fn page_sizes_are_bounded() {
        let default = params::<UuidCursors>(&[]).page().unwrap();
        assert_eq!((default.first, default.after), (DEFAULT_PAGE, None));
        let size = ("INVALID_PAGE_SIZE".to_owned(), Some("first".to_owned()));
        for bad in ["0", "101", "x", "-1"] {
            assert_eq!(refused::<UuidCursors>(&[("first", bad)]), size, "{bad}");
        }
        let max = params::<UuidCursors>(&[("first", "100")]).page().unwrap();
        assert_eq!(max.first, MAX_PAGE);
    }
}
