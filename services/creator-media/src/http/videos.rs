//! Published videos linked to a merchant's products.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use golmok_contracts::creator_media::http::{self as bodies, VideoView};
use golmok_kernel::ListPage;
use golmok_runtime::edge::{
    ApiError, Caller, Command, Json, ListParams, OpaqueCursors, Reply, path_id,
};
use uuid::Uuid;

use crate::app::{CreatorMedia, NewVideo};
use crate::domain::video::VideoError;

type Service = State<Arc<CreatorMedia>>;
type Answer = Result<Reply<VideoView>, ApiError>;
type Page = Result<Json<ListPage<VideoView>>, ApiError>;

pub(super) fn routes() -> Router<Arc<CreatorMedia>> {
    Router::new()
        .route("/videos", post(publish))
        .route("/videos/{id}", get(read))
        .route("/videos/{id}/unpublishing", post(unpublish))
        .route("/products/{id}/videos", get(of_product))
        .route("/creators/{id}/videos", get(of_creator))
        .route("/merchants/{id}/videos", get(of_merchant))
}

/// The HTTP status of a refused video command.
pub(super) fn status(error: &VideoError) -> StatusCode {
    match error {
        VideoError::NotFound => StatusCode::NOT_FOUND,
        VideoError::AlreadyPublished | VideoError::NotPublished => StatusCode::CONFLICT,
        VideoError::Text { .. }
        | VideoError::UrlInvalid
        | VideoError::ProductCount
        | VideoError::DuplicateProduct
        | VideoError::CreatorRequired
        | VideoError::CollaborationRequired => StatusCode::BAD_REQUEST,
    }
}

fn video_id(text: &str) -> Result<Uuid, ApiError> {
    path_id(text, "VIDEO_NOT_FOUND", "video")
}

/// A creator (for its own creator) or a merchant publishes a video; the id
/// follows the idempotency key.
async fn publish(State(service): Service, command: Command<bodies::PublishVideo>) -> Answer {
    let actor = command.caller.signed_in()?;
    let body = command.body;
    let input = NewVideo {
        merchant_id: body.merchant_id,
        creator_id: body.creator_id,
        title: body.title,
        url: body.url,
        platform: body.platform,
        products: body.products,
    };
    let id = command.meta.new_id();
    let committed = service
        .publish_video(id, actor, input, &command.meta)
        .await?;
    Ok(Reply(StatusCode::CREATED, committed))
}

/// Its publisher, its merchant or an operator takes a video down.
async fn unpublish(
    State(service): Service,
    Path(id): Path<String>,
    command: Command<bodies::Empty>,
) -> Answer {
    let actor = command.caller.signed_in()?;
    let committed = service
        .unpublish_video(video_id(&id)?, actor, &command.meta)
        .await?;
    Ok(Reply(StatusCode::OK, committed))
}

/// Videos are public, like products (an unpublished one too, by id).
async fn read(
    State(service): Service,
    _: Caller,
    Path(id): Path<String>,
) -> Result<Json<VideoView>, ApiError> {
    service
        .video(video_id(&id)?)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("VIDEO_NOT_FOUND", "video"))
}

/// A product's published videos by publication time.
async fn of_product(
    State(service): Service,
    _: Caller,
    Path(id): Path<String>,
    params: ListParams<OpaqueCursors>,
) -> Page {
    let product = path_id(&id, "PRODUCT_NOT_FOUND", "product")?;
    Ok(params.listed(service.videos_of_product(product, &params.page()?).await?))
}

/// A creator's published videos by publication time.
async fn of_creator(
    State(service): Service,
    _: Caller,
    Path(id): Path<String>,
    params: ListParams<OpaqueCursors>,
) -> Page {
    let creator = path_id(&id, "CREATOR_NOT_FOUND", "creator")?;
    Ok(params.listed(service.videos_of_creator(creator, &params.page()?).await?))
}

/// A merchant's published videos by publication time.
async fn of_merchant(
    State(service): Service,
    _: Caller,
    Path(id): Path<String>,
    params: ListParams<OpaqueCursors>,
) -> Page {
    let merchant = path_id(&id, "MERCHANT_NOT_FOUND", "merchant")?;
    Ok(params.listed(
        service
            .videos_of_merchant(merchant, &params.page()?)
            .await?,
    ))
}
