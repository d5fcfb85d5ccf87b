//! The voucher service's JSON is the contract's
//! (`golmok_contracts::voucher::http`), read here under the names the schema
//! uses. What stays in the gateway is GraphQL only: the fraud rule, a code
//! the voucher's events carry (the event schemas publish its description,
//! the GraphQL schema has its own).

use async_graphql::Enum;
use golmok_contracts::voucher as contract;

pub(crate) use contract::http::{
    BatchView as Batch, CaseStatus as FraudCaseStatus, CaseView as Case, FeeTiersView as FeeTiers,
    ProgrammeView as Programme, PurchaseView as Purchase, RedemptionStatus,
    RedemptionView as Redemption, WalletReply, WalletView as Wallet,
};

/// The fraud (깡) rule that opened a case.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "contract::Rule")]
pub(crate) enum FraudRule {
    VelocityAboveBaseline,
    RoundAmountBurst,
    NewMerchantVolume,
    RepeatedWallet,
}
