use async_trait::async_trait;
use golmok_contracts::storefront::{self as sf, MerchantFact, RevenueTier as StorefrontTier};
use golmok_kernel::{EventHandler, HandleError, RecordedEvent, StreamName, Transaction};

use super::tables::MERCHANTS;
use crate::app::views::MerchantEntry;
use crate::app::vocabulary::RevenueTier;
use crate::domain::seoul_date;

/// The voucher's merchant directory, fed by the storefront's merchant events
/// (in-process: the storefront's log; distributed: its Kafka topic), read
/// through the storefront's published contract (`golmok_contracts::storefront`).
pub struct DirectoryProjection;

/// The storefront's merchant streams, `merchant-<merchant id>`.
const MERCHANT: StreamName = StreamName::new("merchant");

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
        let Some(merchant_id) = MERCHANT.parse(&envelope.subject) else {
            return Ok(());
        };
        let Some(name) = event.followed(sf::SERVICE, &MerchantFact::NAMES, sf::VERSION)? else {
            return Ok(());
        };
        let fact =
            MerchantFact::read(name, envelope.data.clone()).map_err(HandleError::permanent)?;
        let id = merchant_id.to_string();
        let before: Option<MerchantEntry> = tx.row(MERCHANTS, &id, "").await?;
        let after = match (before, fact) {
            (_, Some(MerchantFact::Registered(r))) => MerchantEntry {
                id: r.merchant_id,
                name: r.name,
                district: r.district,
                category: r.category,
                revenue_tier: tier(r.revenue_tier),
                registered_on: seoul_date(r.at),
                suspended: false,
            },
            (Some(mut entry), Some(MerchantFact::ProfileUpdated(u))) => {
                entry.name = u.name.unwrap_or(entry.name);
                entry.category = u.category.unwrap_or(entry.category);
                entry.district = u.district.unwrap_or(entry.district);
                entry.revenue_tier = u.revenue_tier.map_or(entry.revenue_tier, tier);
                entry
            }
            (Some(mut entry), Some(MerchantFact::Suspended(_))) => {
                entry.suspended = true;
                entry
            }
            (Some(mut entry), Some(MerchantFact::Reinstated(_))) => {
                entry.suspended = false;
                entry
            }
            _ => return Ok(()),
        };
        tx.put_json(MERCHANTS, &id, "", &after);
        Ok(())
    }
}
