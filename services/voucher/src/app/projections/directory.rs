use async_trait::async_trait;
use golmok_kernel::{EventCodec, EventHandler, HandleError, RecordedEvent, Transaction};
use storefront::app::codec::{StorefrontCodec, StorefrontEvent};
use storefront::domain::merchant::{MerchantEvent, RevenueTier as StorefrontTier};

use super::tables::MERCHANTS;
use super::{json, permanent, row, subject_id};
use crate::app::views::MerchantEntry;
use crate::app::vocabulary::RevenueTier;
use crate::domain::seoul_date;

/// The voucher's merchant directory, fed by the storefront's merchant events
/// (in-process: the storefront's log; distributed: its Kafka topic).
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
        let StorefrontEvent::Merchant(decoded) =
            StorefrontCodec::decode_type(&envelope.event_type, envelope.data.clone())
                .map_err(permanent)?
        else {
            return Ok(());
        };
        let id = merchant_id.to_string();
        let before: Option<MerchantEntry> = row(tx, MERCHANTS, &id, "").await?;
        let after = match (before, decoded) {
            (_, MerchantEvent::Registered(r)) => MerchantEntry {
                id: r.merchant_id,
                name: r.name,
                district: r.district,
                category: r.category,
                revenue_tier: tier(r.revenue_tier),
                registered_on: seoul_date(r.at),
                suspended: false,
            },
            (
                Some(mut entry),
                MerchantEvent::ProfileUpdated {
                    name,
                    category,
                    district,
                    revenue_tier,
                    ..
                },
            ) => {
                entry.name = name.unwrap_or(entry.name);
                entry.category = category.unwrap_or(entry.category);
                entry.district = district.unwrap_or(entry.district);
                entry.revenue_tier = revenue_tier.map_or(entry.revenue_tier, tier);
                entry
            }
            (Some(mut entry), MerchantEvent::Suspended { .. }) => {
                entry.suspended = true;
                entry
            }
            (Some(mut entry), MerchantEvent::Reinstated { .. }) => {
                entry.suspended = false;
                entry
            }
            _ => return Ok(()),
        };
        tx.put(MERCHANTS, &id, "", json(&after));
        Ok(())
    }
}
