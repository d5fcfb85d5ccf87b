use async_trait::async_trait;
use golmok_kernel::{Decider, EventHandler, HandleError, RecordedEvent, Transaction, json};

use super::tables::{
    ALL, DIRECTORY, DIRECTORY_BY_CATEGORY, DIRECTORY_BY_DISTRICT, DIRECTORY_BY_HERITAGE,
    MERCHANT_BY_ID,
};
use crate::app::MERCHANT;
use crate::app::codec::{StorefrontCodec, StorefrontEvent};
use crate::app::views::{MerchantView, ToDomain, merchant_view};
use crate::domain::merchant::{Merchant, MerchantState};

/// The merchant by id and the directory tables (all, by district, by category,
/// by approved heritage badge), each row a full `MerchantView`.
pub struct MerchantProjection;

/// The directory rows a view appears in: (table, partition).
fn directory_rows(view: &MerchantView) -> Vec<(&'static str, String)> {
    let mut rows = vec![
        (DIRECTORY, ALL.to_owned()),
        (DIRECTORY_BY_DISTRICT, view.district.clone()),
        (DIRECTORY_BY_CATEGORY, view.category.clone()),
    ];
    if let Some(badge) = view.approved_badge() {
        rows.push((DIRECTORY_BY_HERITAGE, badge_partition(badge)));
    }
    rows
}

pub fn badge_partition(badge: crate::app::vocabulary::HeritageBadge) -> String {
    serde_json::to_value(badge)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .expect("badge codes are strings")
}

#[async_trait]
impl EventHandler for MerchantProjection {
    fn name(&self) -> &'static str {
        "storefront.merchants"
    }

    async fn handle(
        &self,
        event: &RecordedEvent,
        tx: &mut Transaction<'_>,
    ) -> Result<(), HandleError> {
        let Some(merchant_id) = MERCHANT.parse(&event.envelope.subject) else {
            return Ok(());
        };
        let StorefrontEvent::Merchant(decoded) = event.decode::<StorefrontCodec>()? else {
            return Ok(());
        };
        let before: Option<MerchantView> =
            tx.row(MERCHANT_BY_ID, &merchant_id.to_string(), "").await?;
        let state = match &before {
            Some(view) => MerchantState::Registered(Box::new(
                view.to_domain().map_err(HandleError::permanent)?,
            )),
            None => MerchantState::Unregistered,
        };
        let MerchantState::Registered(after) = Merchant::evolve(state, &decoded) else {
            return Ok(());
        };
        let after = merchant_view(&after, event.envelope.stream_version);
        let id = after.id.to_string();
        if let Some(before) = &before {
            for (table, partition) in directory_rows(before) {
                tx.delete(table, &partition, &id);
            }
        }
        let value = json(&after);
        for (table, partition) in directory_rows(&after) {
            tx.put(table, &partition, &id, value.clone());
        }
        tx.put(MERCHANT_BY_ID, &id, "", value);
        Ok(())
    }
}
