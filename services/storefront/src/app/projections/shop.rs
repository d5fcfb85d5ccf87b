use async_trait::async_trait;
use golmok_kernel::{Decider, EventHandler, HandleError, RecordedEvent, Transaction, json};

use super::tables::{
    ORDER_BY_ID, ORDERS_BY_BUYER, ORDERS_BY_MERCHANT, PRODUCT_BY_ID, PRODUCTS_BY_MERCHANT,
    PUBLISHED_PRODUCTS_BY_MERCHANT,
};
use crate::app::SHOP;
use crate::app::codec::{StorefrontCodec, StorefrontEvent};
use crate::app::views::{OrderView, ProductView, ToDomain};
use crate::domain::shop::{Product, Shop, ShopEvent, ShopState, ShopSubject};

/// Products (by id, by merchant, published by merchant) and orders (by id, by
/// merchant, by buyer). Each event is folded with the domain's `evolve` into a
/// state holding just the product or the order it names and the order's products.
pub struct ShopProjection;

/// The slice of the shop an event touches, as stored in the read model.
async fn touched(tx: &Transaction<'_>, event: &ShopEvent) -> Result<ShopState, HandleError> {
    let mut state = ShopState::default();
    let mut products = Vec::new();
    match event.subject() {
        ShopSubject::Product(id) => products.push(id),
        ShopSubject::Order(id) => {
            if let Some(view) = tx
                .row::<OrderView>(ORDER_BY_ID, &id.to_string(), "")
                .await?
            {
                let order = view.to_domain().map_err(HandleError::permanent)?;
                products.extend(order.lines.iter().map(|l| l.product_id));
                state.orders.insert(id, order);
            }
            if let ShopEvent::OrderPlaced(placed) = event {
                products.extend(placed.lines.iter().map(|l| l.product_id));
            }
        }
    }
    for id in products {
        if let Some(view) = tx
            .row::<ProductView>(PRODUCT_BY_ID, &id.to_string(), "")
            .await?
        {
            state.products.insert(id, Product::from(&view));
        }
    }
    Ok(state)
}

#[async_trait]
impl EventHandler for ShopProjection {
    fn name(&self) -> &'static str {
        "storefront.shop"
    }

    async fn handle(
        &self,
        event: &RecordedEvent,
        tx: &mut Transaction<'_>,
    ) -> Result<(), HandleError> {
        if SHOP.parse(&event.envelope.subject).is_none() {
            return Ok(());
        }
        let StorefrontEvent::Shop(decoded) = event.decode::<StorefrontCodec>()? else {
            return Ok(());
        };
        let before = touched(tx, &decoded).await?;
        let after = Shop::evolve(before.clone(), &decoded);
        for (id, product) in &after.products {
            if before.products.get(id) == Some(product) {
                continue;
            }
            let view = ProductView::from(product);
            let (id, merchant) = (id.to_string(), product.merchant_id.to_string());
            let value = json(&view);
            tx.put(PRODUCT_BY_ID, &id, "", value.clone());
            tx.put(PRODUCTS_BY_MERCHANT, &merchant, &id, value.clone());
            if view.published {
                tx.put(PUBLISHED_PRODUCTS_BY_MERCHANT, &merchant, &id, value);
            } else {
                tx.delete(PUBLISHED_PRODUCTS_BY_MERCHANT, &merchant, &id);
            }
        }
        for (id, order) in &after.orders {
            if before.orders.get(id) == Some(order) {
                continue;
            }
            let value = json(&OrderView::from(order));
            let id = id.to_string();
            tx.put(ORDER_BY_ID, &id, "", value.clone());
            tx.put(
                ORDERS_BY_MERCHANT,
                &order.merchant_id.to_string(),
                &id,
                value.clone(),
            );
            tx.put(ORDERS_BY_BUYER, &order.buyer, &id, value);
        }
        Ok(())
    }
}
