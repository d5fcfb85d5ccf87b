//! Read models: one table per query, fed by [`golmok_kernel::Consumer`]s. The
//! voucher's own log feeds the ledger, the views and the fraud rules; the
//! storefront's log feeds the merchant directory.

mod directory;
mod fraud;
mod ledger;
pub mod tables;
mod views;

use std::sync::Arc;

use golmok_kernel::{CommandHandler, EventHandler, HandleError, Transaction};
use uuid::Uuid;

pub use directory::DirectoryProjection;
pub use fraud::FraudProjection;
pub use ledger::LedgerProjection;
pub use views::ViewsProjection;

use super::codec::CaseCodec;
use crate::domain::case::Case;
use crate::domain::fraud::FraudPolicy;

/// The projections of the voucher's own log; `golmok replay voucher`
/// rebuilds them from event 0 (their tables are declared in `startup.rs`).
pub fn handlers(
    cases: Arc<CommandHandler<Case, CaseCodec>>,
    fraud: FraudPolicy,
) -> Vec<Arc<dyn EventHandler>> {
    vec![
        Arc::new(LedgerProjection),
        Arc::new(ViewsProjection),
        Arc::new(FraudProjection::new(cases, fraud)),
    ]
}

/// Programme and merchant of a stream `settlement-<programme>-<merchant>`.
pub(crate) fn settlement_subject(subject: &str) -> Option<(Uuid, Uuid)> {
    let rest = subject.strip_prefix("settlement-")?;
    let (programme, merchant) = (rest.get(..36)?, rest.get(37..)?);
    Some((
        Uuid::parse_str(programme).ok()?,
        Uuid::parse_str(merchant).ok()?,
    ))
}

/// The programme of a wallet, as the consumer `name` recorded it from `WalletOpened`.
pub(crate) async fn wallet_programme(
    tx: &Transaction<'_>,
    name: &str,
    wallet: Uuid,
) -> Result<Uuid, HandleError> {
    tx.row::<Uuid>(tables::WALLET_PROGRAMME, &wallet.to_string(), name)
        .await?
        .ok_or_else(|| HandleError::permanent(format!("wallet {wallet} has no WalletOpened event")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_names_parse_back() {
        let (p, m) = (Uuid::now_v7(), Uuid::now_v7());
        let stream = crate::app::settlement_stream(p, m);
        assert_eq!(settlement_subject(&stream), Some((p, m)));
        assert_eq!(
            crate::app::WALLET.parse(&crate::app::wallet_stream(m)),
            Some(m)
        );
        assert_eq!(crate::app::WALLET.parse("wallet-x"), None);
    }
}
