//! Merchants: the directory, master data, suspension, heritage badges,
//! expert diagnosis and channel onboarding.

mod mutations;
mod queries;
mod types;

pub(crate) use mutations::MerchantMutation;
pub(crate) use queries::{MerchantQuery, find_merchant};
pub(crate) use types::Merchant;
