use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::Utc;
use golmok_kernel::CommandMeta;
use golmok_runtime::edge::{ApiError, Caller, Command, Json, ListParams, Reply, path_id};
use uuid::Uuid;

use crate::app::views::{ListPage, ProductView};
use crate::app::{ProductDraft, Storefront, Visibility};
use crate::domain::shop::ShopCommand;
use golmok_contracts::storefront::http as bodies;

type Answer = Result<Reply<ProductView>, ApiError>;

fn ids(merchant: &str, product: &str) -> Result<(Uuid, Uuid), ApiError> {
    Ok((
        path_id(merchant, "MERCHANT_NOT_FOUND", "merchant")?,
        path_id(product, "PRODUCT_NOT_FOUND", "product")?,
    ))
}

pub async fn add(
    State(storefront): State<Arc<Storefront>>,
    Path(id): Path<String>,
    command: Command<bodies::AddProduct>,
) -> Answer {
    let id = path_id(&id, "MERCHANT_NOT_FOUND", "merchant")?;
    command.caller.for_merchant(id)?;
    let body = command.body;
    let draft = ProductDraft {
        name: body.name,
        description: body.description.unwrap_or_default(),
        price: body.price,
        stock: body.stock,
    };
    let committed = storefront.add_product(id, draft, &command.meta).await?;
    Ok(Reply(StatusCode::CREATED, committed))
}

pub async fn list(
    State(storefront): State<Arc<Storefront>>,
    caller: Caller,
    Path(id): Path<String>,
    params: ListParams,
) -> Result<Json<ListPage<ProductView>>, ApiError> {
    let id = path_id(&id, "MERCHANT_NOT_FOUND", "merchant")?;
    let visibility = if caller.acts_for_merchant(id) {
        Visibility::All
    } else {
        Visibility::Public
    };
    Ok(params.listed(storefront.products(id, visibility, &params.page()?).await?))
}

/// Unpublished products are visible only to whoever acts for their merchant.
pub async fn get(
    State(storefront): State<Arc<Storefront>>,
    caller: Caller,
    Path(product_id): Path<String>,
) -> Result<Json<ProductView>, ApiError> {
    let not_found = ApiError::not_found("PRODUCT_NOT_FOUND", "product");
    let id = path_id(&product_id, "PRODUCT_NOT_FOUND", "product")?;
    match storefront.product(id).await? {
        Some(product) if product.published || caller.acts_for_merchant(product.merchant_id) => {
            Ok(Json(product))
        }
        _ => Err(not_found),
    }
}

async fn run(
    storefront: &Storefront,
    merchant: Uuid,
    command: ShopCommand,
    meta: &CommandMeta,
) -> Answer {
    Ok(Reply(
        StatusCode::OK,
        storefront.product_command(merchant, command, meta).await?,
    ))
}

pub async fn edit(
    State(storefront): State<Arc<Storefront>>,
    Path((merchant, product)): Path<(String, String)>,
    command: Command<bodies::EditProduct>,
) -> Answer {
    let (merchant, product_id) = ids(&merchant, &product)?;
    command.caller.for_merchant(merchant)?;
    let edit = ShopCommand::EditProduct {
        product_id,
        name: command.body.name,
        description: command.body.description,
        at: Utc::now(),
    };
    run(&storefront, merchant, edit, &command.meta).await
}

pub async fn change_price(
    State(storefront): State<Arc<Storefront>>,
    Path((merchant, product)): Path<(String, String)>,
    command: Command<bodies::ChangePrice>,
) -> Answer {
    let (merchant, product_id) = ids(&merchant, &product)?;
    command.caller.for_merchant(merchant)?;
    let change = ShopCommand::ChangePrice {
        product_id,
        price: command.body.price,
        at: Utc::now(),
    };
    run(&storefront, merchant, change, &command.meta).await
}

pub async fn adjust_stock(
    State(storefront): State<Arc<Storefront>>,
    Path((merchant, product)): Path<(String, String)>,
    command: Command<bodies::AdjustStock>,
) -> Answer {
    let (merchant, product_id) = ids(&merchant, &product)?;
    command.caller.for_merchant(merchant)?;
    let adjust = ShopCommand::AdjustStock {
        product_id,
        delta: command.body.delta,
        reason: command.body.reason,
        at: Utc::now(),
    };
    run(&storefront, merchant, adjust, &command.meta).await
}

pub async fn publish(
    State(storefront): State<Arc<Storefront>>,
    Path((merchant, product)): Path<(String, String)>,
    command: Command<bodies::Empty>,
) -> Answer {
    let (merchant, product_id) = ids(&merchant, &product)?;
    command.caller.for_merchant(merchant)?;
    let publish = ShopCommand::Publish {
        product_id,
        at: Utc::now(),
    };
    run(&storefront, merchant, publish, &command.meta).await
}

pub async fn unpublish(
    State(storefront): State<Arc<Storefront>>,
    Path((merchant, product)): Path<(String, String)>,
    command: Command<bodies::Empty>,
) -> Answer {
    let (merchant, product_id) = ids(&merchant, &product)?;
    command.caller.for_merchant(merchant)?;
    let unpublish = ShopCommand::Unpublish {
        product_id,
        at: Utc::now(),
    };
    run(&storefront, merchant, unpublish, &command.meta).await
}
