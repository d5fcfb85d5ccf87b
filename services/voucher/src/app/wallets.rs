use chrono::{DateTime, Utc};
use golmok_kernel::{CommandMeta, Fault};
use golmok_runtime::{Actor, Role};
use uuid::Uuid;

use super::projections::tables::{MERCHANTS, SANCTIONS, pair};
use super::views::{
    MerchantEntry, WalletReply, WalletView, merchant_facts, recalled, wallet_reply, wallet_view,
};
use super::voucher::derived_id;
use super::{AppError, Committed, Voucher, programme_stream, wallet_id_of, wallet_stream};
use crate::domain::Won;
use crate::domain::programme::{MerchantFacts, ProgrammeCommand};
use crate::domain::wallet::{
    PurchaseRequest, Redemption, RedemptionRequest, RedemptionStatus, Wallet, WalletCommand,
    WalletError, WalletEvent, WalletInfo, WalletState, WalletSubject,
};

/// Hold (reserve now, capture later) or pay in one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedeemMode {
    Hold,
    Pay,
}

fn operator(actor: &Actor) -> bool {
    actor.is(Role::Operator)
}

impl Voucher {
    /// A citizen buys one voucher of `face` in a programme. The discount is
    /// first committed against the programme's subsidy budget (so it can never
    /// be over-spent), then the wallet is credited; a wallet refusal gives
    /// the subsidy back. With an idempotency key the purchase id derives from
    /// the key, so a retry after a crash between the two steps completes the
    /// same purchase.
    pub async fn purchase(
        &self,
        programme_id: Uuid,
        owner: &str,
        face: Won,
        meta: &CommandMeta,
        now: DateTime<Utc>,
    ) -> Result<Committed<WalletReply>, AppError> {
        let terms = self.terms(programme_id).await?;
        let wallet_id = wallet_id_of(programme_id, owner);
        let stream = wallet_stream(wallet_id);
        let purchase_id = match &meta.idempotency {
            Some(idempotency) => derived_id(&["purchase", &idempotency.key]),
            None => Uuid::now_v7(),
        };
        let discount = terms
            .discount_on(face)
            .ok_or(crate::domain::wallet::WalletError::AmountTooLarge { field: "faceValue" })?;
        let command = WalletCommand::Purchase(PurchaseRequest {
            purchase_id,
            wallet_id,
            owner: owner.to_owned(),
            terms,
            face,
            at: now,
        });
        let internal = meta.without_key();
        if !self.wallets.already_done(meta).await? {
            // Refuse what the wallet would refuse before reserving budget,
            // unless a request with the same key won meanwhile: then answer
            // its outcome below.
            let (current, _) = self.wallets.load(&stream).await?;
            match <Wallet as golmok_kernel::Decider>::decide(&current, &command) {
                Err(rejection) if !self.wallets.already_done(meta).await? => {
                    return Err(rejection.into());
                }
                Err(_) => {}
                Ok(_) => {
                    let commit = ProgrammeCommand::CommitSubsidy {
                        purchase_id,
                        amount: discount,
                        at: now,
                    };
                    let stream = programme_stream(programme_id);
                    self.programmes.execute(&stream, &commit, &internal).await?;
                }
            }
        }
        match self.wallet_command(&stream, command, meta, now).await {
            Err(error) if !matches!(error, AppError::Fault(Fault::IdempotencyKeyReused(_))) => {
                let (state, _) = self.wallets.load(&stream).await?;
                if !state.purchases.contains_key(&purchase_id) {
                    self.release_subsidy(programme_id, purchase_id, meta, now)
                        .await?;
                }
                Err(error)
            }
            answered => answered,
        }
    }

    /// The owner gives back a wholly unused purchase: the citizen is repaid
    /// and the subsidy returns to the budget.
    pub async fn refund_purchase(
        &self,
        wallet_id: Uuid,
        purchase_id: Uuid,
        actor: &Actor,
        meta: &CommandMeta,
        now: DateTime<Utc>,
    ) -> Result<Committed<WalletReply>, AppError> {
        let (info, _) = self.owned_wallet(wallet_id, actor).await?;
        let terms = self.terms(info.programme_id).await?;
        let command = WalletCommand::RefundPurchase {
            purchase_id,
            terms,
            at: now,
        };
        let reply = self
            .wallet_command(&wallet_stream(wallet_id), command, meta, now)
            .await?;
        let position = self
            .release_subsidy(info.programme_id, purchase_id, meta, now)
            .await?;
        let settled = self.projections.committed((), position).await;
        Ok(Committed {
            consistent: reply.consistent && settled.consistent,
            ..reply
        })
    }

    /// The owner redeems at a merchant: a hold (captured or voided later by
    /// the merchant, timing out otherwise) or a payment in one step.
    #[allow(clippy::too_many_arguments)]
    pub async fn redeem(
        &self,
        wallet_id: Uuid,
        merchant_id: Uuid,
        amount: Won,
        mode: RedeemMode,
        actor: &Actor,
        meta: &CommandMeta,
        now: DateTime<Utc>,
    ) -> Result<Committed<WalletReply>, AppError> {
        let (info, _) = self.owned_wallet(wallet_id, actor).await?;
        let terms = self.terms(info.programme_id).await?;
        let merchant = self.merchant_facts(info.programme_id, merchant_id).await?;
        let request = RedemptionRequest {
            redemption_id: Uuid::now_v7(),
            merchant,
            amount,
            terms,
            at: now,
        };
        let command = match mode {
            RedeemMode::Hold => WalletCommand::Hold {
                request,
                expires_at: now + self.policy.hold_timeout,
            },
            RedeemMode::Pay => WalletCommand::Pay(request),
        };
        self.wallet_command(&wallet_stream(wallet_id), command, meta, now)
            .await
    }

    /// Capture, void or refund of a redemption, by its merchant (a void also
    /// by the wallet's owner).
    pub async fn redemption_command(
        &self,
        wallet_id: Uuid,
        redemption_id: Uuid,
        command: WalletCommand,
        actor: &Actor,
        meta: &CommandMeta,
        now: DateTime<Utc>,
    ) -> Result<Committed<WalletReply>, AppError> {
        let stream = wallet_stream(wallet_id);
        let (state, _) = self.wallets.load(&stream).await?;
        let info = state.wallet.as_ref().ok_or(WalletError::NotFound)?;
        let owner_may =
            matches!(command, WalletCommand::Void { .. }) && actor.subject == info.owner;
        let command = self.recalling(wallet_id, &state, command).await?;
        let redemption = match &command {
            WalletCommand::Recalled { redemption, .. } => redemption,
            _ => state
                .redemptions
                .get(&redemption_id)
                .ok_or(WalletError::RedemptionNotFound)?,
        };
        if !(actor.acts_for_merchant(redemption.merchant_id) || owner_may) {
            return Err(AppError::Forbidden);
        }
        self.wallet_command(&stream, command, meta, now).await
    }

    /// `command`, recalling its redemption from the wallet's history when
    /// `state` has let it go (an id the history does not know either stays
    /// as it is: the wallet refuses it).
    pub(super) async fn recalling(
        &self,
        wallet_id: Uuid,
        state: &WalletState,
        command: WalletCommand,
    ) -> Result<WalletCommand, AppError> {
        let WalletSubject::Redemption(id) = command.subject() else {
            return Ok(command);
        };
        if state.redemptions.contains_key(&id) {
            return Ok(command);
        }
        let remembered = self.remembered(wallet_id, id).await?;
        Ok(match remembered.as_ref().and_then(recalled) {
            Some(redemption) => WalletCommand::Recalled {
                redemption_id: id,
                redemption,
                command: Box::new(command),
            },
            None => command,
        })
    }

    /// A redemption of a wallet, from its state or else its history.
    pub(super) async fn redemption_of(
        &self,
        wallet_id: Uuid,
        redemption_id: Uuid,
    ) -> Result<Option<Redemption>, AppError> {
        let (state, _) = self.wallets.load(&wallet_stream(wallet_id)).await?;
        if let Some(redemption) = state.redemptions.get(&redemption_id) {
            return Ok(Some(redemption.clone()));
        }
        let remembered = self.remembered(wallet_id, redemption_id).await?;
        Ok(remembered.as_ref().and_then(recalled))
    }

    /// Gives the subsidy of a refunded or failed purchase back to the budget;
    /// answers the log position to wait for.
    async fn release_subsidy(
        &self,
        programme_id: Uuid,
        purchase_id: Uuid,
        meta: &CommandMeta,
        now: DateTime<Utc>,
    ) -> Result<u64, AppError> {
        let release = ProgrammeCommand::ReleaseSubsidy {
            purchase_id,
            at: now,
        };
        let stream = programme_stream(programme_id);
        let executed = self
            .programmes
            .execute(&stream, &release, &meta.without_key())
            .await?;
        Ok(executed.position)
    }

    /// The wallet of `owner` in a programme (none before the first purchase).
    pub async fn wallet_of(
        &self,
        programme_id: Uuid,
        owner: &str,
        now: DateTime<Utc>,
    ) -> Result<WalletView, AppError> {
        self.programme(programme_id).await?;
        let (state, _) = self
            .wallets
            .load(&wallet_stream(wallet_id_of(programme_id, owner)))
            .await?;
        Ok(wallet_view(&state, now).ok_or(WalletError::NotFound)?)
    }

    /// A wallet, for its owner or an operator.
    pub async fn wallet(
        &self,
        wallet_id: Uuid,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<WalletView, AppError> {
        let (_, state) = self.owned_wallet(wallet_id, actor).await?;
        Ok(wallet_view(&state, now).ok_or(WalletError::NotFound)?)
    }

    pub(super) async fn owned_wallet(
        &self,
        wallet_id: Uuid,
        actor: &Actor,
    ) -> Result<(WalletInfo, WalletState), AppError> {
        let (state, _) = self.wallets.load(&wallet_stream(wallet_id)).await?;
        let info = state.wallet.clone().ok_or(WalletError::NotFound)?;
        if info.owner != actor.subject && !operator(actor) {
            return Err(AppError::Forbidden);
        }
        Ok((info, state))
    }

    /// What the directory and the fraud cases say about a merchant.
    pub(super) async fn merchant_facts(
        &self,
        programme_id: Uuid,
        merchant_id: Uuid,
    ) -> Result<MerchantFacts, AppError> {
        let entry: MerchantEntry = self
            .tables
            .get_json(MERCHANTS, &merchant_id.to_string(), "")
            .await?
            .ok_or(AppError::MerchantNotFound)?;
        let sanctions = self
            .tables
            .scan(
                SANCTIONS,
                &pair(&programme_id, &merchant_id),
                None,
                golmok_kernel::ScanOrder::Ascending,
                1,
            )
            .await?;
        Ok(merchant_facts(&entry, !sanctions.rows.is_empty()))
    }

    /// Executes a wallet command and answers the wallet and its subject. A
    /// replay answers what the first execution answered, from the stream as
    /// it was then; a recorded decline answers as the error it was.
    pub(super) async fn wallet_command(
        &self,
        stream: &str,
        command: WalletCommand,
        meta: &CommandMeta,
        now: DateTime<Utc>,
    ) -> Result<Committed<WalletReply>, AppError> {
        let executed = self.wallets.execute(stream, &command, meta).await?;
        let (subject, at, replayed_decline) = if executed.replayed {
            let last = self
                .wallets
                .event_at(stream, executed.stream_version)
                .await?
                .ok_or(WalletError::NotFound)?;
            let decline = match &last {
                WalletEvent::RedemptionDeclined { reason, .. } => Some(*reason),
                _ => None,
            };
            (last.subject(), last.at(), decline)
        } else {
            (command.subject(), now, None)
        };
        let state = executed.state;
        let mut reply = wallet_reply(&state, subject, at).ok_or(WalletError::NotFound)?;
        if let (WalletSubject::Redemption(id), None) = (subject, &reply.redemption) {
            // A replay long after: the state has let the redemption go.
            reply.redemption = self.remembered(reply.wallet.id, id).await?;
        }
        let declined = reply
            .redemption
            .as_ref()
            .and_then(|r| match state.redemptions.get(&r.id).map(|r| r.status) {
                Some(RedemptionStatus::Declined(reason)) => Some(reason),
                _ => None,
            })
            .or(replayed_decline);
        let committed = self.projections.committed(reply, executed.position).await;
        match declined {
            Some(reason) => Err(AppError::Declined(reason)),
            None => Ok(committed),
        }
    }
}
