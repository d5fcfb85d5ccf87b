use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use golmok_contracts::creator_media::http::CreatorMatchesView;
use golmok_runtime::Role;
use golmok_runtime::edge::{ApiError, Caller, path_id};

use crate::app::{CreatorMedia, MATCHES_MAX};

/// How many creators an answer recommends when `first` is not given.
const DEFAULT_MATCHES: usize = 10;

/// The creators recommended for a merchant, best first, with the reasons:
/// for the merchant itself, the programme's experts and officials, operators.
/// Another merchant's answer is the same as for a merchant that does not
/// exist.
pub async fn creator_matches(
    State(service): State<Arc<CreatorMedia>>,
    caller: Caller,
    Path(id): Path<String>,
    params: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Json<CreatorMatchesView>, ApiError> {
    let Query(params) = params
        .map_err(|_| ApiError::bad_input("INVALID_QUERY", "the query string cannot be read"))?;
    let merchant = path_id(&id, "MERCHANT_NOT_FOUND", "merchant")?;
    let actor = caller.signed_in()?;
    let programme = [Role::Expert, Role::Official, Role::Operator];
    if !programme.contains(&actor.role) && !actor.acts_for_merchant(merchant) {
        return Err(if actor.role == Role::Merchant {
            ApiError::not_found("MERCHANT_NOT_FOUND", "merchant")
        } else {
            ApiError::forbidden()
        });
    }
    let first = match params.get("first") {
        None => DEFAULT_MATCHES,
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MATCHES_MAX).contains(n))
            .ok_or_else(|| {
                ApiError::bad_request(
                    "INVALID_PAGE_SIZE",
                    "first",
                    format!("first must be between 1 and {MATCHES_MAX}"),
                )
            })?,
    };
    Ok(Json(service.creator_matches(merchant, first).await?))
}
