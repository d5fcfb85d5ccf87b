//! Matching: which creators to recommend to a merchant, and why. A creator is
//! a candidate when its tier places it (certified by the programme's
//! training) and it shares the merchant's category or works in its area;
//! each reason adds points, and the reasons are what the merchant is shown.

use uuid::Uuid;

use super::creator::Platform;
use super::training::Tier;

/// Where the merchant's expert diagnosis routed it (the storefront's
/// diagnosis tracks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Track {
    /// List the products on online channels.
    ChannelListing,
    /// Pair the merchant with a dedicated seller or creator.
    DedicatedSeller,
    /// Education first.
    Education,
}

/// What matching knows of a merchant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merchant {
    pub category: String,
    pub district: String,
    /// The latest diagnosis's track, if an expert diagnosed it.
    pub track: Option<Track>,
}

/// What matching knows of a creator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub creator_id: Uuid,
    pub handle: String,
    pub categories: Vec<String>,
    pub region: String,
    /// `(platform, audience)` per channel.
    pub channels: Vec<(Platform, u64)>,
    pub tier: Tier,
}

impl Candidate {
    /// The creator's reach: followers over all its channels.
    pub fn audience(&self) -> u64 {
        super::training::reach(self.channels.iter().map(|(_, audience)| *audience))
    }
}

/// Why a creator is recommended; each reason is worth `points`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// The creator covers the merchant's category.
    SharedCategory { category: String },
    /// The creator works in the merchant's area.
    SameRegion { region: String },
    /// The creator's reach (followers over all channels).
    Audience { audience: u64 },
    /// The creator fits the track the merchant's diagnosis chose.
    DiagnosisTrack { track: Track },
}

pub const CATEGORY_POINTS: u32 = 40;
pub const REGION_POINTS: u32 = 25;
/// Reach earns up to this many points, one decade of followers at a time
/// (10 → 4, 1,000 → 12, 1,000,000 and more → 25).
pub const AUDIENCE_POINTS: u32 = 25;
pub const TRACK_POINTS: u32 = 10;
/// A dedicated seller needs this reach at least.
pub const DEDICATED_SELLER_REACH: u64 = 10_000;

impl Reason {
    pub fn points(&self) -> u32 {
        match self {
            Reason::SharedCategory { .. } => CATEGORY_POINTS,
            Reason::SameRegion { .. } => REGION_POINTS,
            Reason::Audience { audience } => audience_points(*audience),
            Reason::DiagnosisTrack { .. } => TRACK_POINTS,
        }
    }
}

/// `AUDIENCE_POINTS` scaled by the decades of reach, up to a million.
fn audience_points(audience: u64) -> u32 {
    let decades = audience.checked_ilog10().unwrap_or(0).min(6);
    AUDIENCE_POINTS * decades / 6
}

/// A recommended creator, its score the sum of its reasons' points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    pub creator_id: Uuid,
    pub score: u32,
    pub reasons: Vec<Reason>,
}

fn same(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

/// Whether `candidate` suits the merchant's diagnosis track: a dedicated
/// seller needs reach; channel listing needs a channel that links to shops
/// (a blog, a video channel or Instagram); education is the programme's, not
/// a creator's.
fn fits(track: Track, candidate: &Candidate) -> bool {
    match track {
        Track::DedicatedSeller => candidate.audience() >= DEDICATED_SELLER_REACH,
        Track::ChannelListing => candidate.channels.iter().any(|(platform, _)| {
            matches!(
                platform,
                Platform::NaverBlog | Platform::Youtube | Platform::Instagram
            )
        }),
        Track::Education => false,
    }
}

/// Why `candidate` suits `merchant`, or `None` when its tier does not place
/// it or it shares neither the category nor the area.
pub fn assess(merchant: &Merchant, candidate: &Candidate) -> Option<Match> {
    if !candidate.tier.placed() {
        return None;
    }
    let mut reasons = Vec::new();
    if let Some(category) = candidate
        .categories
        .iter()
        .find(|c| same(c, &merchant.category))
    {
        reasons.push(Reason::SharedCategory {
            category: category.clone(),
        });
    }
    if same(&candidate.region, &merchant.district) {
        reasons.push(Reason::SameRegion {
            region: candidate.region.clone(),
        });
    }
    if reasons.is_empty() {
        return None;
    }
    let audience = candidate.audience();
    if audience_points(audience) > 0 {
        reasons.push(Reason::Audience { audience });
    }
    if let Some(track) = merchant.track.filter(|track| fits(*track, candidate)) {
        reasons.push(Reason::DiagnosisTrack { track });
    }
    Some(Match {
        creator_id: candidate.creator_id,
        score: reasons.iter().map(Reason::points).sum(),
        reasons,
    })
}

/// The best `limit` creators for `merchant`: highest score first, then the
/// higher tier, then the larger reach, then the handle, so the order is stable.
pub fn rank(merchant: &Merchant, candidates: &[Candidate], limit: usize) -> Vec<Match> {
    let mut ranked: Vec<(&Candidate, Match)> = candidates
        .iter()
        .filter_map(|candidate| assess(merchant, candidate).map(|found| (candidate, found)))
        .collect();
    ranked.sort_by(|(a, x), (b, y)| {
        y.score
            .cmp(&x.score)
            .then_with(|| b.tier.cmp(&a.tier))
            .then_with(|| b.audience().cmp(&a.audience()))
            .then_with(|| a.handle.cmp(&b.handle))
    });
    ranked
        .into_iter()
        .take(limit)
        .map(|(_, found)| found)
        .collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn bakery(track: Option<Track>) -> Merchant {
        Merchant {
            category: "bakery".to_owned(),
            district: "망원동".to_owned(),
            track,
        }
    }

    fn creator(
        n: u128,
        categories: &[&str],
        region: &str,
        channels: &[(Platform, u64)],
    ) -> Candidate {
        Candidate {
            creator_id: Uuid::from_u128(n),
            handle: format!("creator{n}"),
            categories: categories.iter().map(|c| (*c).to_owned()).collect(),
            region: region.to_owned(),
            channels: channels.to_vec(),
            tier: Tier::Certified,
        }
    }

    #[test]
    fn each_reason_is_shown_with_its_points_and_they_add_up_to_the_score() {
        let found = assess(
            &bakery(Some(Track::DedicatedSeller)),
            &creator(
                1,
                &["Food", "Bakery"],
                "망원동",
                &[(Platform::Youtube, 120_000)],
            ),
        )
        .expect("a match");
        assert_eq!(
            found.reasons,
            vec![
                Reason::SharedCategory {
                    category: "Bakery".to_owned()
                },
                Reason::SameRegion {
                    region: "망원동".to_owned()
                },
                Reason::Audience { audience: 120_000 },
                Reason::DiagnosisTrack {
                    track: Track::DedicatedSeller
                },
            ]
        );
        // 40 + 25 + 25 × 5/6 (five decades) + 10.
        assert_eq!(found.score, 40 + 25 + 20 + 10);
    }

    #[test]
    fn only_a_creator_the_training_certified_is_placed() {
        let mut fresh = creator(1, &["bakery"], "망원동", &[(Platform::Youtube, 120_000)]);
        fresh.tier = Tier::New;
        assert_eq!(assess(&bakery(None), &fresh), None);
        fresh.tier = Tier::Featured;
        assert!(assess(&bakery(None), &fresh).is_some());
    }

    #[test]
    fn a_creator_sharing_neither_category_nor_area_is_not_recommended() {
        let far = creator(
            1,
            &["fashion"],
            "해운대구",
            &[(Platform::Youtube, 5_000_000)],
        );
        assert_eq!(assess(&bakery(Some(Track::DedicatedSeller)), &far), None);
    }

    #[test]
    fn the_diagnosis_track_decides_which_creators_fit() {
        let small_blog = creator(1, &["bakery"], "마포구", &[(Platform::NaverBlog, 800)]);
        let big_tiktok = creator(2, &["bakery"], "마포구", &[(Platform::Tiktok, 50_000)]);
        let track_of = |merchant: &Merchant, candidate: &Candidate| {
            assess(merchant, candidate)
                .expect("shares the category")
                .reasons
                .contains(&Reason::DiagnosisTrack {
                    track: merchant.track.expect("a track"),
                })
        };
        let listing = bakery(Some(Track::ChannelListing));
        assert!(track_of(&listing, &small_blog));
        assert!(!track_of(&listing, &big_tiktok));
        let seller = bakery(Some(Track::DedicatedSeller));
        assert!(!track_of(&seller, &small_blog));
        assert!(track_of(&seller, &big_tiktok));
        let education = bakery(Some(Track::Education));
        assert!(!track_of(&education, &small_blog) && !track_of(&education, &big_tiktok));
    }

    #[test]
    fn the_best_come_first_and_ties_go_to_reach_then_handle() {
        let merchant = bakery(None);
        let local = creator(1, &["bakery"], "망원동", &[(Platform::Instagram, 100)]);
        let famous = creator(2, &["bakery"], "부산", &[(Platform::Youtube, 1_000_000)]);
        let twin_a = creator(3, &["bakery"], "부산", &[(Platform::Youtube, 1_000_000)]);
        let neighbour = creator(4, &["sneakers"], "망원동", &[]);
        let ranked = rank(&merchant, &[neighbour, twin_a, famous, local], 3);
        let order: Vec<u128> = ranked.iter().map(|m| m.creator_id.as_u128()).collect();
        // local 40+25+8 = 73; famous and twin 40+25 = 65 (creator2 < creator3);
        // neighbour 25 is fourth, beyond the limit.
        assert_eq!(order, vec![1, 2, 3]);
    }

    fn candidate() -> impl Strategy<Value = Candidate> {
        (
            0u128..1_000,
            prop::sample::subsequence(vec!["bakery", "food", "fashion"], 0..3),
            prop::sample::select(vec!["망원동", "마포구", "부산"]),
            prop::collection::vec(
                (
                    prop::sample::select(vec![
                        Platform::Youtube,
                        Platform::Tiktok,
                        Platform::NaverBlog,
                    ]),
                    0u64..10_000_000,
                ),
                0..3,
            ),
        )
            .prop_map(|(n, categories, region, channels)| {
                creator(n, &categories, region, &channels)
            })
    }

    proptest! {
        #[test]
        fn every_recommendation_shares_category_or_area_and_scores_its_reasons(
            candidates in prop::collection::vec(candidate(), 0..20),
            track in prop::option::of(prop::sample::select(vec![
                Track::ChannelListing, Track::DedicatedSeller, Track::Education,
            ])),
        ) {
            let merchant = bakery(track);
            let ranked = rank(&merchant, &candidates, 10);
            prop_assert!(ranked.len() <= 10);
            for pair in ranked.windows(2) {
                prop_assert!(pair[0].score >= pair[1].score);
            }
            for found in &ranked {
                let shares = found.reasons.iter().any(|r| {
                    matches!(r, Reason::SharedCategory { .. } | Reason::SameRegion { .. })
                });
                prop_assert!(shares, "{:?}", found);
                prop_assert_eq!(found.score, found.reasons.iter().map(Reason::points).sum::<u32>());
                prop_assert!(found.score <= CATEGORY_POINTS + REGION_POINTS + AUDIENCE_POINTS + TRACK_POINTS);
            }
        }
    }
}
