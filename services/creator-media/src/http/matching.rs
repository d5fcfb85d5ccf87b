use std::sync::Arc;

use axum::extract::{Path, State};
use golmok_contracts::creator_media::http::CreatorMatchesView;
use golmok_runtime::Role;
use golmok_runtime::edge::{ApiError, Caller, Json, ListParams, OpaqueCursors, path_id};

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
    params: ListParams<OpaqueCursors>,
) -> Result<Json<CreatorMatchesView>, ApiError> {
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
    let first = params.first(DEFAULT_MATCHES, MATCHES_MAX)?;
    Ok(Json(service.creator_matches(merchant, first).await?))
}
