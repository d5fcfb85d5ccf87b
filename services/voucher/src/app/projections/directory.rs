use async_trait::async_trait;
use golmok_contracts::event_of;
use golmok_contracts::storefront::{
    self as sf, MerchantProfileUpdatedV1, MerchantRegisteredV1, RevenueTier as StorefrontTier,
};
use golmok_kernel::{EventHandler, HandleError, RecordedEvent, Transaction};

use super::tables::MERCHANTS;
use super::{json, permanent, row, subject_id};
use crate::app::views::MerchantEntry;
use crate::app::vocabulary::RevenueTier;
use crate::domain::seoul_date;

/// The voucher's merchant directory, fed by the storefront's merchant events
/// (in-process: the storefront's log; distributed: its Kafka topic), read
/// through the storefront's published contract (`golmok_contracts::storefront`).
pub struct DirectoryProjection;

fn tier(tier: StorefrontTier) -> RevenueTier {
    match tier {
        StorefrontTier::Micro => RevenueTier::Micro,
        StorefrontTier::Small => RevenueTier::Small,
        StorefrontTier::Medium => RevenueTier::Medium,
    }
}

#[async_trait]
impl EventHandler for DirectoryProjection {
    fn name(&self) -> &'static str {
        "voucher.directory"
    }

    async fn handle(
        &self,
        event: &RecordedEvent,
        tx: &mut Transaction<'_>,
    ) -> Result<(), HandleError> {
        let envelope = &event.envelope;
        let Some(merchant_id) = subject_id(&envelope.subject, "merchant") else {
            return Ok(());
        };
        let Some((name, version)) = event_of(sf::SERVICE, &envelope.event_type) else {
            return Ok(());
        };
        let followed = [
            "MerchantRegistered",
            "MerchantProfileUpdated",
            "MerchantSuspended",
            "MerchantReinstated",
        ];
        if !followed.contains(&name) {
            return Ok(());
        }
        if version != sf::VERSION {
            return Err(permanent(format!(
                "unknown event type {name} version {version}"
            )));
        }
        let data = envelope.data.clone();
        let id = merchant_id.to_string();
        let before: Option<MerchantEntry> = row(tx, MERCHANTS, &id, "").await?;
        let after = match (before, name) {
            (_, "MerchantRegistered") => {
                let r: MerchantRegisteredV1 = golmok_contracts::read(data).map_err(permanent)?;
                MerchantEntry {
                    id: r.merchant_id,
                    name: r.name,
                    district: r.district,
                    category: r.category,
                    revenue_tier: tier(r.revenue_tier),
                    registered_on: seoul_date(r.at),
                    suspended: false,
                }
            }
            (Some(mut entry), "MerchantProfileUpdated") => {
                let u: MerchantProfileUpdatedV1 =
                    golmok_contracts::read(data).map_err(permanent)?;
                entry.name = u.name.unwrap_or(entry.name);
                entry.category = u.category.unwrap_or(entry.category);
                entry.district = u.district.unwrap_or(entry.district);
                entry.revenue_tier = u.revenue_tier.map_or(entry.revenue_tier, tier);
                entry
            }
            (Some(mut entry), "MerchantSuspended") => {
                let _: sf::ReasonV1 = golmok_contracts::read(data).map_err(permanent)?;
                entry.suspended = true;
                entry
            }
            (Some(mut entry), "MerchantReinstated") => {
                let _: sf::InstantV1 = golmok_contracts::read(data).map_err(permanent)?;
                entry.suspended = false;
                entry
            }
            _ => return Ok(()),
        };
        tx.put(MERCHANTS, &id, "", json(&after));
        Ok(())
    }
}
