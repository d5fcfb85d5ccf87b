//! Collaborations: proposals and their answers, the end, automatic expiry,
//! the delegations the gateway enforces and their audit trail.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use golmok_contracts::creator_media::http::{
    AuditEntryView, AuditOutcome, CollaborationStatus, CollaborationView, DelegationView,
    ProductCommissionView,
};
use golmok_kernel::{CommandMeta, ListPage, PageRequest, ScanOrder};
use golmok_runtime::{Actor, Role};
use uuid::Uuid;

use super::collaboration_projection::{
    AUDIT, BY_PARTY, DEADLINES, DELEGATIONS, Deadline, merchant_partition, owner_partition,
};
use super::promotions::NewPromotion;
use super::{AppError, CREATOR, Committed, CreatorMedia};
use crate::domain::collaboration::{
    Action, AuditEntry, CollaborationCommand, CollaborationError, CollaborationState, Delegation,
    Mode, Party, Proposal, RESPOND_WITHIN, Scope, Status, Terms,
};
use crate::domain::creator::CreatorError;
use golmok_kernel::StreamName;

/// `collaboration-<id>`: one collaboration and its audit trail.
pub const COLLABORATION: StreamName = StreamName::new("collaboration");

/// How many due collaborations one expiry round handles.
const EXPIRY_BATCH: usize = 100;

/// A proposal as entered: raw rates and scope names, checked by the domain.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCollaboration {
    pub merchant_id: Uuid,
    pub creator_id: Uuid,
    pub products: Vec<Uuid>,
    pub commission_bps: i64,
    pub product_commissions: Vec<(Uuid, i64)>,
    pub starts: DateTime<Utc>,
    pub ends: DateTime<Utc>,
    pub respond_by: Option<DateTime<Utc>>,
    pub mode: Mode,
    pub scopes: Option<Vec<String>>,
    pub price_floor: Option<i64>,
    pub revenue_share_bps: Option<i64>,
}

/// An answer to a proposal, or the end of a collaboration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Accept,
    Decline,
    End,
}

/// A rate as entered: out of `u32` is out of range like any other.
fn bps(value: i64, field: &'static str) -> Result<u32, CollaborationError> {
    u32::try_from(value)
        .ok()
        .filter(|bps| *bps <= 10_000)
        .ok_or(CollaborationError::CommissionOutOfRange { field })
}

impl NewCollaboration {
    fn terms(&self) -> Result<Terms, CollaborationError> {
        let mut product_commissions = std::collections::BTreeMap::new();
        for (product, rate) in &self.product_commissions {
            let rate = bps(*rate, "productCommissions")?;
            if product_commissions.insert(*product, rate).is_some() {
                return Err(CollaborationError::DuplicateProduct {
                    field: "productCommissions",
                });
            }
        }
        let delegation = match (&self.scopes, self.price_floor, self.revenue_share_bps) {
            (None, None, None) => None,
            (scopes, floor, share) => {
                let scopes = scopes
                    .iter()
                    .flatten()
                    .map(|name| Scope::parse(name))
                    .collect::<Result<BTreeSet<_>, _>>()?;
                let share = share.unwrap_or(0);
                let revenue_share_bps =
                    u32::try_from(share).map_err(|_| CollaborationError::RevenueShareOutOfRange)?;
                Some(Delegation {
                    scopes,
                    price_floor: floor.unwrap_or(0),
                    revenue_share_bps,
                })
            }
        };
        Ok(Terms {
            products: self.products.clone(),
            commission_bps: bps(self.commission_bps, "commissionBps")?,
            product_commissions,
            starts: self.starts,
            ends: self.ends,
            mode: self.mode,
            delegation,
        })
    }
}

/// The party `actor` is in `proposal`, if any.
fn party_of(actor: &Actor, proposal: &Proposal) -> Option<Party> {
    match actor.role {
        Role::Merchant if actor.merchant_id == Some(proposal.merchant_id) => Some(Party::Merchant),
        Role::Creator if proposal.creator_owner.as_deref() == Some(&actor.subject) => {
            Some(Party::Creator)
        }
        _ => None,
    }
}

pub fn collaboration_view(
    proposal: &Proposal,
    status: Status,
    updated_at: DateTime<Utc>,
) -> CollaborationView {
    let terms = &proposal.terms;
    CollaborationView {
        id: proposal.collaboration_id,
        merchant_id: proposal.merchant_id,
        creator_id: proposal.creator_id,
        proposed_by: proposal.proposed_by.into(),
        status: status_code(status),
        products: terms.products.clone(),
        commission_bps: terms.commission_bps,
        product_commissions: terms
            .product_commissions
            .iter()
            .map(|(product_id, bps)| ProductCommissionView {
                product_id: *product_id,
                bps: *bps,
            })
            .collect(),
        starts: terms.starts,
        ends: terms.ends,
        respond_by: proposal.respond_by,
        mode: terms.mode.into(),
        delegation: terms.delegation.as_ref().map(|d| DelegationView {
            scopes: d.scopes.iter().map(|s| (*s).into()).collect(),
            price_floor: d.price_floor,
            revenue_share_bps: d.revenue_share_bps,
        }),
        proposed_at: proposal.at,
        updated_at,
    }
}

pub fn status_code(status: Status) -> CollaborationStatus {
    match status {
        Status::Proposed => CollaborationStatus::Proposed,
        Status::Active => CollaborationStatus::Active,
        Status::Declined => CollaborationStatus::Declined,
        Status::Ended => CollaborationStatus::Ended,
        Status::Expired => CollaborationStatus::Expired,
    }
}

pub fn entry_view(collaboration_id: Uuid, entry: &AuditEntry) -> AuditEntryView {
    let (outcome, error_code) = match &entry.outcome {
        None => (AuditOutcome::Pending, None),
        Some(None) => (AuditOutcome::Done, None),
        Some(Some(code)) => (AuditOutcome::Refused, Some(code.clone())),
    };
    AuditEntryView {
        id: entry.entry_id,
        collaboration_id,
        action: entry.action.kind.into(),
        product_id: entry.action.product_id,
        price: entry.action.price,
        summary: entry.action.summary.clone(),
        actor: entry.actor.clone(),
        at: entry.at,
        outcome,
        error_code,
    }
}

fn state_view(state: &CollaborationState) -> Result<CollaborationView, AppError> {
    let (proposal, status) = state
        .proposal
        .as_ref()
        .ok_or(CollaborationError::NotFound)?;
    Ok(collaboration_view(
        proposal,
        *status,
        state.updated_at.unwrap_or(proposal.at),
    ))
}

impl CreatorMedia {
    /// A merchant invites a creator, or a creator applies to a merchant: the
    /// caller is the proposing party. The creator must be registered; the
    /// merchant is the storefront's and is not checked here (a proposal no
    /// merchant answers expires).
    pub async fn propose(
        &self,
        collaboration_id: Uuid,
        input: NewCollaboration,
        actor: &Actor,
        meta: &CommandMeta,
    ) -> Result<Committed<CollaborationView>, AppError> {
        let proposed_by = match actor.role {
            Role::Merchant if actor.merchant_id == Some(input.merchant_id) => Party::Merchant,
            Role::Creator => Party::Creator,
            _ => return Err(AppError::Forbidden),
        };
        let (creator, _) = self.creators.load(&CREATOR.of(input.creator_id)).await?;
        let profile = creator.profile().ok_or(CreatorError::NotFound)?;
        if proposed_by == Party::Creator && profile.owner.as_deref() != Some(&actor.subject) {
            return Err(AppError::Forbidden);
        }
        let terms = input.terms()?;
        let now = Utc::now();
        let respond_by = input
            .respond_by
            .unwrap_or_else(|| (now + RESPOND_WITHIN).min(terms.ends));
        let proposal = Proposal {
            collaboration_id,
            merchant_id: input.merchant_id,
            creator_id: input.creator_id,
            creator_owner: profile.owner.clone(),
            proposed_by,
            terms,
            respond_by,
            at: now,
        };
        let command = CollaborationCommand::Propose(proposal);
        self.collaboration_command(collaboration_id, command, meta)
            .await
    }

    /// Accepts or declines (the other party only) or ends (either party).
    pub async fn answer(
        &self,
        collaboration_id: Uuid,
        answer: Answer,
        actor: &Actor,
        meta: &CommandMeta,
    ) -> Result<Committed<CollaborationView>, AppError> {
        let (proposal, _) = self.party_collaboration(collaboration_id, actor).await?;
        let by = party_of(actor, &proposal).ok_or(AppError::Forbidden)?;
        let at = Utc::now();
        let command = match answer {
            Answer::Accept => CollaborationCommand::Accept { by, at },
            Answer::Decline => CollaborationCommand::Decline { by, at },
            Answer::End => CollaborationCommand::End { by, at },
        };
        self.collaboration_command(collaboration_id, command, meta)
            .await
    }

    async fn collaboration_command(
        &self,
        collaboration_id: Uuid,
        command: CollaborationCommand,
        meta: &CommandMeta,
    ) -> Result<Committed<CollaborationView>, AppError> {
        let executed = self
            .collaborations
            .execute(&COLLABORATION.of(collaboration_id), &command, meta)
            .await?;
        let view = state_view(&executed.state)?;
        Ok(self.projections.committed(view, executed.position).await)
    }

    /// The proposal of a collaboration `actor` may read: a party or an operator.
    async fn party_collaboration(
        &self,
        collaboration_id: Uuid,
        actor: &Actor,
    ) -> Result<(Proposal, Arc<CollaborationState>), AppError> {
        let (state, _) = self
            .collaborations
            .load(&COLLABORATION.of(collaboration_id))
            .await?;
        let (proposal, _) = state.proposal.clone().ok_or(CollaborationError::NotFound)?;
        if party_of(actor, &proposal).is_none() && actor.role != Role::Operator {
            return Err(AppError::Forbidden);
        }
        Ok((proposal, state))
    }

    /// Refuses a promotion `input` published by `collaboration_id` unless
    /// `actor` is one of its parties (or an operator), it is active now, it is
    /// the promotion's merchant's and it covers every product.
    pub(super) async fn publishing_collaboration(
        &self,
        collaboration_id: Uuid,
        input: &NewPromotion,
        actor: &Actor,
    ) -> Result<(), AppError> {
        self.covering_collaboration(collaboration_id, input.merchant_id, &input.products, actor)
            .await
            .map(|_| ())
    }

    /// The proposal of `collaboration_id` unless `actor` is not one of its
    /// parties (nor an operator), it is not active now, it is not
    /// `merchant_id`'s or it does not cover every product.
    pub(super) async fn covering_collaboration(
        &self,
        collaboration_id: Uuid,
        merchant_id: Uuid,
        products: &[Uuid],
        actor: &Actor,
    ) -> Result<Proposal, AppError> {
        let (proposal, state) = self.party_collaboration(collaboration_id, actor).await?;
        if proposal.merchant_id != merchant_id {
            return Err(CollaborationError::NotFound.into());
        }
        let now = Utc::now();
        let terms = &proposal.terms;
        if state.status() != Some(Status::Active) || now < terms.starts || now >= terms.ends {
            return Err(CollaborationError::NotActive.into());
        }
        if !products.iter().all(|product| terms.covers(*product)) {
            return Err(CollaborationError::ProductNotCovered.into());
        }
        Ok(proposal)
    }

    /// Refuses anyone but the collaboration's creator.
    pub(super) async fn as_its_creator(
        &self,
        collaboration_id: Uuid,
        actor: &Actor,
    ) -> Result<(), AppError> {
        let (proposal, _) = self.party_collaboration(collaboration_id, actor).await?;
        match party_of(actor, &proposal) {
            Some(Party::Creator) => Ok(()),
            _ => Err(AppError::Forbidden),
        }
    }

    /// A collaboration, for either party or an operator.
    pub async fn collaboration(
        &self,
        collaboration_id: Uuid,
        actor: &Actor,
    ) -> Result<CollaborationView, AppError> {
        let (_, state) = self.party_collaboration(collaboration_id, actor).await?;
        state_view(&state)
    }

    /// The caller's collaborations, in proposal order: a merchant's, or those
    /// of the creators a creator registered.
    pub async fn collaborations(
        &self,
        actor: &Actor,
        page: &PageRequest,
    ) -> Result<ListPage<CollaborationView>, AppError> {
        let partition = match (actor.role, actor.merchant_id) {
            (Role::Merchant, Some(merchant)) => merchant_partition(merchant),
            (Role::Creator, _) => owner_partition(&actor.subject),
            _ => return Err(AppError::Forbidden),
        };
        self.page_in(BY_PARTY, &partition, page).await
    }

    /// The delegated-selling collaborations of the calling creator that are
    /// active now, each with its scopes and floor: what the gateway enforces.
    pub async fn delegations(&self, actor: &Actor) -> Result<Vec<CollaborationView>, AppError> {
        if actor.role != Role::Creator {
            return Err(AppError::Forbidden);
        }
        let now = Utc::now();
        let page = PageRequest {
            first: 100,
            after: None,
        };
        let listed: ListPage<CollaborationView> = self
            .page_in(DELEGATIONS, &owner_partition(&actor.subject), &page)
            .await?;
        Ok(listed
            .items
            .into_iter()
            .filter(|c| c.starts <= now && now < c.ends)
            .collect())
    }

    /// Records an action the gateway is about to take for the calling
    /// creator on the merchant's behalf, if the collaboration is active and
    /// its terms permit it; the entry's id follows the idempotency key.
    pub async fn request_action(
        &self,
        collaboration_id: Uuid,
        action: Action,
        actor: &Actor,
        meta: &CommandMeta,
    ) -> Result<Committed<AuditEntryView>, AppError> {
        self.as_its_creator(collaboration_id, actor).await?;
        let entry_id = meta.new_id();
        let command = CollaborationCommand::RequestAction {
            entry_id,
            action,
            actor: actor.subject.clone(),
            at: Utc::now(),
        };
        self.entry_command(collaboration_id, entry_id, command, meta)
            .await
    }

    /// Records the outcome of a requested action (its creator).
    pub async fn complete_action(
        &self,
        collaboration_id: Uuid,
        entry_id: Uuid,
        error_code: Option<String>,
        actor: &Actor,
        meta: &CommandMeta,
    ) -> Result<Committed<AuditEntryView>, AppError> {
        self.as_its_creator(collaboration_id, actor).await?;
        let command = CollaborationCommand::CompleteAction {
            entry_id,
            error_code,
            at: Utc::now(),
        };
        self.entry_command(collaboration_id, entry_id, command, meta)
            .await
    }

    async fn entry_command(
        &self,
        collaboration_id: Uuid,
        entry_id: Uuid,
        command: CollaborationCommand,
        meta: &CommandMeta,
    ) -> Result<Committed<AuditEntryView>, AppError> {
        let executed = self
            .collaborations
            .execute(&COLLABORATION.of(collaboration_id), &command, meta)
            .await?;
        let entry = executed
            .state
            .entries
            .get(&entry_id)
            .ok_or(CollaborationError::EntryNotFound)?;
        let view = entry_view(collaboration_id, entry);
        Ok(self.projections.committed(view, executed.position).await)
    }

    /// The audit trail of a collaboration, oldest first: the merchant's (and
    /// an operator's) to read, not the creator's.
    pub async fn audit_trail(
        &self,
        collaboration_id: Uuid,
        actor: &Actor,
        page: &PageRequest,
    ) -> Result<ListPage<AuditEntryView>, AppError> {
        let (proposal, _) = self.party_collaboration(collaboration_id, actor).await?;
        if party_of(actor, &proposal) == Some(Party::Creator) {
            return Err(AppError::Forbidden);
        }
        self.page_in(AUDIT, &collaboration_id.to_string(), page)
            .await
    }

    /// Expires every collaboration whose answer or end is due at `now`, up
    /// to a batch per round (through the command handler, so a round that
    /// races another, or repeats, changes nothing twice); a collaboration
    /// that cannot be expired now is logged and tried again next round.
    pub async fn expire_due(&self, now: DateTime<Utc>) -> Result<(), AppError> {
        let rows = self
            .tables
            .scan(
                DEADLINES,
                super::projections::ALL,
                None,
                ScanOrder::Ascending,
                EXPIRY_BATCH,
            )
            .await?;
        for row in rows.rows {
            let Some(due) = golmok_kernel::telemetry::decode_row::<Deadline>(
                DEADLINES,
                super::projections::ALL,
                &row.clustering,
                &row.value,
            ) else {
                continue;
            };
            if due.at > now {
                break;
            }
            let command = CollaborationCommand::Expire { at: now };
            let stream = COLLABORATION.of(due.collaboration_id);
            let expired = self
                .collaborations
                .execute(&stream, &command, &CommandMeta::default())
                .await;
            if let Err(error) = expired {
                tracing::warn!(collaboration = %due.collaboration_id, %error, "expiry failed");
            }
        }
        Ok(())
    }
}
