//! Published videos linked to a merchant's products: a creator under an
//! active collaboration covering them, or the merchant, publishes one; its
//! publisher, the merchant or an operator unpublishes it. Published videos
//! are public, listed under their products and their creator.

use async_graphql::connection::Connection;
use async_graphql::{Context, ErrorExtensions, ID, InputObject, Object, Result, ResultExt};
use chrono::{DateTime, Utc};
use golmok_contracts::creator_media::Platform;
use golmok_contracts::creator_media::http::{
    self as contract, CollaborationParty, VideoStatus, VideoView,
};
use uuid::Uuid;

use super::types::Creator;
use crate::relay::{GlobalId, ListId, NodeType, PageRequest, page};
use crate::schema::context::ContextExt;
use crate::schema::merchants::{Merchant, find_merchant};
use crate::schema::outcome::{InputNames, idempotency_key, input_id, payload, settle};
use crate::schema::products::{Product, find_product};
use crate::upstream::CreatorMedia;

/// A video published on a creator's or the merchant's channel, showing some
/// of the merchant's products.
pub(crate) struct Video(pub(crate) VideoView);

#[Object]
impl Video {
    /// The video's global id.
    pub(crate) async fn id(&self) -> ID {
        GlobalId::new(NodeType::Video, self.0.id).to_id()
    }

    async fn merchant(&self, ctx: &Context<'_>) -> Result<Option<Merchant>> {
        find_merchant(ctx, self.0.merchant_id).await
    }

    /// The creator credited; null for the merchant's own video.
    async fn creator(&self, ctx: &Context<'_>) -> Result<Option<Creator>> {
        match self.0.creator_id {
            Some(id) => super::find_creator(ctx, id).await,
            None => Ok(None),
        }
    }

    /// Who published it: the creator or the merchant.
    async fn published_by(&self) -> CollaborationParty {
        self.0.published_by
    }

    async fn title(&self) -> &str {
        &self.0.title
    }

    /// The video's `https://` address.
    async fn url(&self) -> &str {
        &self.0.url
    }

    async fn platform(&self) -> Platform {
        self.0.platform
    }

    /// The products it shows (those the storefront still has).
    async fn products(&self, ctx: &Context<'_>) -> Result<Vec<Product>> {
        let mut products = Vec::with_capacity(self.0.products.len());
        for id in &self.0.products {
            products.extend(find_product(ctx, *id).await?);
        }
        Ok(products)
    }

    async fn status(&self) -> VideoStatus {
        self.0.status
    }

    async fn published_at(&self) -> DateTime<Utc> {
        self.0.published_at
    }

    async fn unpublished_at(&self) -> Option<DateTime<Utc>> {
        self.0.unpublished_at
    }
}

pub(crate) async fn find_video(ctx: &Context<'_>, id: Uuid) -> Result<Option<Video>> {
    Ok(ctx
        .request()
        .upstream::<CreatorMedia>()
        .video(id)
        .await
        .extend()?
        .map(Video))
}

/// One page of the published videos listed under `owner` (`products` or
/// `creators`) `id`.
pub(crate) async fn videos_of(
    ctx: &Context<'_>,
    owner: &'static str,
    id: Uuid,
    first: Option<i32>,
    after: Option<String>,
) -> Result<Connection<String, Video>> {
    let media = &ctx.request().upstream::<CreatorMedia>();
    page(
        PageRequest::new(
            ListId::new(&format!("videos-{owner}"), &id.to_string()),
            first,
            after,
        )?,
        |first, after| async move { media.videos_of(owner, id, first, after.as_deref()).await },
        Video,
    )
    .await
    .extend()
}

#[derive(Default)]
pub(crate) struct VideoQuery;

#[Object]
impl VideoQuery {
    /// A video by global id (an unpublished one too).
    async fn video(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Video>> {
        let id = GlobalId::expect(&id, NodeType::Video).map_err(|e| e.extend())?;
        find_video(ctx, id).await
    }

    /// A product's published videos by publication time.
    #[graphql(complexity = "PageRequest::complexity(first, child_complexity)")]
    async fn videos(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The product's global id.")] product_id: ID,
        #[graphql(desc = "How many, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Continue after this cursor.")] after: Option<String>,
    ) -> Result<Connection<String, Video>> {
        let product = GlobalId::expect(&product_id, NodeType::Product).map_err(|e| e.extend())?;
        videos_of(ctx, "products", product, first, after).await
    }
}

/// Refusals without a field point at the input at fault.
const NAMES: InputNames = InputNames {
    renames: &[("products", "productIds")],
    codes: &[
        ("VIDEO_NOT_FOUND", "videoId"),
        ("CREATOR_NOT_FOUND", "creatorId"),
        ("COLLABORATION_NOT_ACTIVE", "creatorId"),
        ("PRODUCT_NOT_COVERED", "productIds"),
    ],
};

#[derive(InputObject)]
pub(crate) struct PublishVideoInput {
    /// The merchant's global id.
    merchant_id: ID,
    /// The creator credited: required when a creator publishes (its own
    /// creator); it needs an active collaboration with the merchant covering
    /// every product.
    creator_id: Option<ID>,
    /// One line, up to 80 characters.
    title: String,
    /// An `https://` address, up to 500 characters.
    url: String,
    platform: Platform,
    /// 1 to 20 distinct products of the merchant (global ids).
    product_ids: Vec<ID>,
    /// A retry with the same key returns the first answer instead of acting twice.
    idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub(crate) struct UnpublishVideoInput {
    /// The video's global id.
    video_id: ID,
    /// A retry with the same key returns the first answer instead of acting twice.
    idempotency_key: Option<String>,
}

payload!(VideoPayload { video: Video });

#[derive(Default)]
pub(crate) struct VideoMutation;

#[Object]
impl VideoMutation {
    /// Publishes a video of the merchant's products: the merchant, or a
    /// creator for its own creator under an active collaboration.
    async fn publish_video(
        &self,
        ctx: &Context<'_>,
        input: PublishVideoInput,
    ) -> Result<VideoPayload> {
        let request = ctx.request();
        settle(
            async {
                let merchant_id = input_id(&input.merchant_id, NodeType::Merchant, "merchantId")?;
                let creator_id = match &input.creator_id {
                    Some(id) => Some(input_id(id, NodeType::Creator, "creatorId")?),
                    None => None,
                };
                let mut products = Vec::with_capacity(input.product_ids.len());
                for product in &input.product_ids {
                    products.push(input_id(product, NodeType::Product, "productIds")?);
                }
                let key = idempotency_key(input.idempotency_key.as_deref())?;
                let body = contract::PublishVideo {
                    merchant_id,
                    creator_id,
                    title: input.title.clone(),
                    url: input.url.clone(),
                    platform: input.platform,
                    products,
                };
                let published = request
                    .upstream::<CreatorMedia>()
                    .publish_video(&body, key)
                    .await;
                Ok(Video(published.map_err(|e| NAMES.refusal(e))?))
            }
            .await,
        )
    }

    /// Unpublishes a video: its publisher, the merchant or an operator.
    async fn unpublish_video(
        &self,
        ctx: &Context<'_>,
        input: UnpublishVideoInput,
    ) -> Result<VideoPayload> {
        let request = ctx.request();
        settle(
            async {
                let video = input_id(&input.video_id, NodeType::Video, "videoId")?;
                let key = idempotency_key(input.idempotency_key.as_deref())?;
                let unpublished = request
                    .upstream::<CreatorMedia>()
                    .unpublish_video(video, key)
                    .await;
                Ok(Video(unpublished.map_err(|e| NAMES.refusal(e))?))
            }
            .await,
        )
    }
}
