use async_graphql::{Context, Object, Result, ResultExt};

use super::types::Creator;
use crate::schema::context::ContextExt;
use crate::upstream::CreatorMedia;
use crate::upstream::creator_media_model::{self as model, MatchReason};

/// A creator recommended to a merchant; `score` is the sum of the reasons' points.
pub(crate) struct CreatorMatch(model::CreatorMatch);

#[Object]
impl CreatorMatch {
    async fn creator(&self) -> Creator {
        Creator(self.0.creator.clone())
    }

    /// 0 to 100: the sum of the reasons' points.
    async fn score(&self) -> u32 {
        self.0.score
    }

    /// Why it is recommended, each with what it adds to the score.
    async fn reasons(&self) -> Vec<CreatorMatchReason<'_>> {
        self.0.reasons.iter().map(CreatorMatchReason).collect()
    }
}

/// One reason a creator is recommended.
pub(crate) struct CreatorMatchReason<'a>(&'a model::MatchReasonView);

#[Object]
impl CreatorMatchReason<'_> {
    async fn code(&self) -> MatchReason {
        self.0.code
    }

    /// The category, the area, the followers, or the diagnosis track.
    async fn detail(&self) -> &str {
        &self.0.detail
    }

    async fn points(&self) -> u32 {
        self.0.points
    }
}

/// The creators recommended for `merchant`, best first; `None` when creator
/// media does not know the merchant or the caller may not see them.
pub(crate) async fn recommended_creators(
    ctx: &Context<'_>,
    merchant: uuid::Uuid,
    first: Option<i32>,
) -> Result<Option<Vec<CreatorMatch>>> {
    let first = usize::try_from(first.unwrap_or(10)).unwrap_or(0);
    let matches = ctx
        .request()
        .upstream::<CreatorMedia>()
        .creator_matches(merchant, first)
        .await
        .extend()?;
    Ok(matches.map(|found| found.matches.into_iter().map(CreatorMatch).collect()))
}
