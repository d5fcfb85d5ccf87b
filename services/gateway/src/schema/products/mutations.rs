use async_graphql::{Context, ID, InputObject, Object, Result};
use golmok_contracts::storefront::http as contract;
use uuid::Uuid;

use super::types::Product;
use crate::relay::NodeType;
use crate::schema::context::{ContextExt, RequestContext};
use crate::schema::delegation::{self, Acting, Intent};
use crate::schema::outcome::{InputNames, Refusal, idempotency_key, input_id, payload, settle};
use crate::schema::scalars::Won;
use crate::upstream::{CallError, Storefront, model};
use golmok_contracts::creator_media::http::DelegatedActionKind as Kind;

/// Refusals about the merchant in the path point at `merchantId`.
const MERCHANT: InputNames = InputNames {
    renames: &[],
    codes: &[("MERCHANT_NOT_FOUND", "merchantId")],
};

/// Refusals about the product in the path point at `productId`.
const PRODUCT: InputNames = InputNames {
    renames: &[],
    codes: &[("PRODUCT_NOT_FOUND", "productId")],
};

#[derive(InputObject)]
pub(crate) struct CreateProductInput {
    /// The merchant's global id.
    merchant_id: ID,
    name: String,
    description: Option<String>,
    /// More than zero.
    price: Won,
    /// Units in stock to start with.
    stock: i32,
    /// A retry with the same key returns the first answer instead of acting twice.
    idempotency_key: Option<String>,
}

impl From<&CreateProductInput> for contract::AddProduct {
    fn from(input: &CreateProductInput) -> Self {
        contract::AddProduct {
            name: input.name.clone(),
            description: input.description.clone(),
            price: input.price.0,
            stock: input.stock.into(),
        }
    }
}

#[derive(InputObject)]
pub(crate) struct UpdateProductInput {
    /// The product's global id.
    product_id: ID,
    name: Option<String>,
    description: Option<String>,
    /// A retry with the same key returns the first answer instead of acting twice.
    idempotency_key: Option<String>,
}

impl From<&UpdateProductInput> for contract::EditProduct {
    fn from(input: &UpdateProductInput) -> Self {
        contract::EditProduct {
            name: input.name.clone(),
            description: input.description.clone(),
        }
    }
}

#[derive(InputObject)]
pub(crate) struct ChangeProductPriceInput {
    /// The product's global id.
    product_id: ID,
    price: Won,
    /// A retry with the same key returns the first answer instead of acting twice.
    idempotency_key: Option<String>,
}

impl From<&ChangeProductPriceInput> for contract::ChangePrice {
    fn from(input: &ChangeProductPriceInput) -> Self {
        contract::ChangePrice {
            price: input.price.0,
        }
    }
}

#[derive(InputObject)]
pub(crate) struct AdjustProductStockInput {
    /// The product's global id.
    product_id: ID,
    /// Units to add (positive) or remove (negative); stock never goes below zero.
    delta: i32,
    reason: String,
    /// A retry with the same key returns the first answer instead of acting twice.
    idempotency_key: Option<String>,
}

impl From<&AdjustProductStockInput> for contract::AdjustStock {
    fn from(input: &AdjustProductStockInput) -> Self {
        contract::AdjustStock {
            delta: input.delta.into(),
            reason: input.reason.clone(),
        }
    }
}

#[derive(InputObject)]
pub(crate) struct PublishProductInput {
    /// The product's global id.
    product_id: ID,
    /// A retry with the same key returns the first answer instead of acting twice.
    idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub(crate) struct UnpublishProductInput {
    /// The product's global id.
    product_id: ID,
    /// A retry with the same key returns the first answer instead of acting twice.
    idempotency_key: Option<String>,
}

payload!(CreateProductPayload { product: Product });
payload!(UpdateProductPayload { product: Product });
payload!(ChangeProductPricePayload { product: Product });
payload!(AdjustProductStockPayload { product: Product });
payload!(PublishProductPayload { product: Product });
payload!(UnpublishProductPayload { product: Product });

#[derive(Default)]
pub(crate) struct ProductMutation;

#[Object]
impl ProductMutation {
    /// Adds an unpublished product to a merchant's catalogue (the merchant or an operator).
    async fn create_product(
        &self,
        ctx: &Context<'_>,
        input: CreateProductInput,
    ) -> Result<CreateProductPayload> {
        let request = ctx.request();
        settle(
            async {
                let merchant = input_id(&input.merchant_id, NodeType::Merchant, "merchantId")?;
                let key = idempotency_key(input.idempotency_key.as_deref())?;
                let delegation = delegation::delegation_from(request, merchant).await?;
                let intent = Intent {
                    kind: Kind::CreateProduct,
                    product: None,
                    price: Some(input.price.0),
                    summary: format!("create {:?} at {} won", input.name, input.price.0),
                };
                let acting = delegation::begin(request, delegation, intent, key).await?;
                let product = acting
                    .upstream::<Storefront>(request)
                    .create_product(merchant, &contract::AddProduct::from(&input), key)
                    .await;
                fresh(request, acting.finish(request, product).await, &MERCHANT).await
            }
            .await,
        )
    }

    /// Changes a product's name or description (its merchant).
    async fn update_product(
        &self,
        ctx: &Context<'_>,
        input: UpdateProductInput,
    ) -> Result<UpdateProductPayload> {
        let request = ctx.request();
        settle(
            async {
                let key = idempotency_key(input.idempotency_key.as_deref())?;
                let (product, acting) = current(request, &input.product_id, key, |id| Intent {
                    kind: Kind::UpdateProduct,
                    product: Some(id),
                    price: None,
                    summary: format!(
                        "edit name {:?}, description {:?}",
                        input.name, input.description
                    ),
                })
                .await?;
                let product = acting
                    .upstream::<Storefront>(request)
                    .update_product(&product, &contract::EditProduct::from(&input), key)
                    .await;
                fresh(request, acting.finish(request, product).await, &PRODUCT).await
            }
            .await,
        )
    }

    /// Sets a product's price (its merchant).
    async fn change_product_price(
        &self,
        ctx: &Context<'_>,
        input: ChangeProductPriceInput,
    ) -> Result<ChangeProductPricePayload> {
        let request = ctx.request();
        settle(
            async {
                let key = idempotency_key(input.idempotency_key.as_deref())?;
                let (product, acting) = current(request, &input.product_id, key, |id| Intent {
                    kind: Kind::ChangePrice,
                    product: Some(id),
                    price: Some(input.price.0),
                    summary: format!("price {} won", input.price.0),
                })
                .await?;
                let product = acting
                    .upstream::<Storefront>(request)
                    .change_price(&product, &contract::ChangePrice::from(&input), key)
                    .await;
                fresh(request, acting.finish(request, product).await, &PRODUCT).await
            }
            .await,
        )
    }

    /// Adds or removes stock (its merchant); refused with STOCK_WOULD_GO_NEGATIVE
    /// rather than going below zero.
    async fn adjust_product_stock(
        &self,
        ctx: &Context<'_>,
        input: AdjustProductStockInput,
    ) -> Result<AdjustProductStockPayload> {
        let request = ctx.request();
        settle(
            async {
                let key = idempotency_key(input.idempotency_key.as_deref())?;
                let (product, acting) = current(request, &input.product_id, key, |id| Intent {
                    kind: Kind::AdjustStock,
                    product: Some(id),
                    price: None,
                    summary: format!("stock {:+} ({:?})", input.delta, input.reason),
                })
                .await?;
                let product = acting
                    .upstream::<Storefront>(request)
                    .adjust_stock(&product, &contract::AdjustStock::from(&input), key)
                    .await;
                fresh(request, acting.finish(request, product).await, &PRODUCT).await
            }
            .await,
        )
    }

    /// Makes a product visible and orderable (its merchant).
    async fn publish_product(
        &self,
        ctx: &Context<'_>,
        input: PublishProductInput,
    ) -> Result<PublishProductPayload> {
        let request = ctx.request();
        settle(
            async {
                let key = idempotency_key(input.idempotency_key.as_deref())?;
                let (product, acting) = current(request, &input.product_id, key, |id| Intent {
                    kind: Kind::PublishProduct,
                    product: Some(id),
                    price: None,
                    summary: "publish".to_owned(),
                })
                .await?;
                let product = acting
                    .upstream::<Storefront>(request)
                    .publish_product(&product, key)
                    .await;
                fresh(request, acting.finish(request, product).await, &PRODUCT).await
            }
            .await,
        )
    }

    /// Hides a product from buyers (its merchant).
    async fn unpublish_product(
        &self,
        ctx: &Context<'_>,
        input: UnpublishProductInput,
    ) -> Result<UnpublishProductPayload> {
        let request = ctx.request();
        settle(
            async {
                let key = idempotency_key(input.idempotency_key.as_deref())?;
                let (product, acting) = current(request, &input.product_id, key, |id| Intent {
                    kind: Kind::UnpublishProduct,
                    product: Some(id),
                    price: None,
                    summary: "unpublish".to_owned(),
                })
                .await?;
                let product = acting
                    .upstream::<Storefront>(request)
                    .unpublish_product(&product, key)
                    .await;
                fresh(request, acting.finish(request, product).await, &PRODUCT).await
            }
            .await,
        )
    }
}

/// The product named by the `productId` input, as the caller may change it
/// now, and who changes it: the caller, or a creator under a merchant's
/// delegation, the action (`intent` of the product's id) recorded first in
/// the collaboration's audit trail (`schema/delegation.rs`).
async fn current(
    request: &RequestContext,
    id: &ID,
    key: Option<&str>,
    intent: impl FnOnce(Uuid) -> Intent,
) -> Result<(model::Product, Acting), Refusal> {
    let id: Uuid = input_id(id, NodeType::Product, "productId")?;
    let (product, delegation) = delegation::product_to_change(request, id).await?;
    let acting = delegation::begin(request, delegation, intent(product.id), key).await?;
    Ok((product, acting))
}

/// The product a command answered with, also kept for the rest of the request.
async fn fresh(
    request: &RequestContext,
    answer: Result<model::Product, CallError>,
    names: &InputNames,
) -> Result<Product, Refusal> {
    let product = answer.map_err(|error| names.refusal(error))?;
    request.remember(product.id, product.clone()).await;
    Ok(Product(product))
}

#[cfg(test)]
mod tests {
    use serde_json::{json, to_value};

    use super::*;

    #[test]
    fn a_product_without_a_description_is_sent_without_one() {
        let input = CreateProductInput {
            merchant_id: ID::from("m"),
            name: "소금빵".into(),
            description: None,
            price: Won(-1),
            stock: -2,
            idempotency_key: None,
        };
        let body = to_value(contract::AddProduct::from(&input)).unwrap();
        assert_eq!(body, json!({"name": "소금빵", "price": -1, "stock": -2}));
        let input = CreateProductInput {
            description: Some(String::new()),
            ..input
        };
        let body = to_value(contract::AddProduct::from(&input)).unwrap();
        assert_eq!(body["description"], "");
        let edit = UpdateProductInput {
            product_id: ID::from("p"),
            name: None,
            description: Some(String::new()),
            idempotency_key: None,
        };
        let body = to_value(contract::EditProduct::from(&edit)).unwrap();
        assert_eq!(body, json!({"description": ""}));
    }
}
