//! The voucher service's JSON and its GraphQL enums and value objects are
//! the contract's (`golmok_contracts::voucher`), named here as the schema
//! names them.

pub(crate) use golmok_contracts::voucher::Rule as FraudRule;
pub(crate) use golmok_contracts::voucher::http::{
    BatchView as Batch, CaseStatus as FraudCaseStatus, CaseView as Case, FeeTiersView as FeeTiers,
    ProgrammeView as Programme, PurchaseView as Purchase, RedemptionStatus,
    RedemptionView as Redemption, WalletReply, WalletView as Wallet,
};
