//! The collaborations' read models, kept by one projection over the
//! collaboration events: each by id, the lists of each party, the active
//! delegations of each creator owner, the deadlines the expiry task reads and
//! each audit trail.

use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use golmok_contracts::creator_media::http::{
    AuditEntryView, AuditOutcome, CollaborationMode, CollaborationStatus, CollaborationView,
};
use golmok_kernel::{EventHandler, HandleError, RecordedEvent, Transaction, json};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::codec::{CreatorMediaCodec, CreatorMediaEvent};
use super::collaborations::{COLLABORATION, collaboration_view, entry_view};
use super::projections::ALL;
use crate::domain::collaboration::{AuditEntry, CollaborationEvent, Status};

/// partition = collaboration id, clustering = "" → [`CollaborationRow`].
pub const COLLABORATION_BY_ID: &str = "creator_media_collaboration_by_id";
/// partition = `merchant-<id>` or `owner-<subject>`, clustering =
/// `<proposed at>|<id>` → `CollaborationView`.
pub const BY_PARTY: &str = "creator_media_collaborations_by_party";
/// partition = `owner-<subject>`, clustering = `<proposed at>|<id>` →
/// `CollaborationView`: the active delegated-selling collaborations.
pub const DELEGATIONS: &str = "creator_media_delegations";
/// partition = "all", clustering = `<due at>|<id>` → [`Deadline`]: the open
/// collaborations by the time they expire.
pub const DEADLINES: &str = "creator_media_collaboration_deadlines";
/// partition = collaboration id, clustering = `<at>|<entry id>` → `AuditEntryView`.
pub const AUDIT: &str = "creator_media_audit_trail";
/// partition = entry id, clustering = "" → `AuditEntryView`.
pub const AUDIT_ENTRY: &str = "creator_media_audit_entry";

/// Every read-model table of collaborations.
pub const TABLES: [&str; 6] = [
    COLLABORATION_BY_ID,
    BY_PARTY,
    DELEGATIONS,
    DEADLINES,
    AUDIT,
    AUDIT_ENTRY,
];

/// A collaboration's row: its view and its creator's owner (whose lists hold it).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CollaborationRow {
    pub view: CollaborationView,
    pub owner: Option<String>,
}

/// When a collaboration expires unless something happens first.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Deadline {
    pub collaboration_id: Uuid,
    pub at: DateTime<Utc>,
}

pub fn merchant_partition(merchant: Uuid) -> String {
    format!("merchant-{merchant}")
}

pub fn owner_partition(subject: &str) -> String {
    format!("owner-{subject}")
}

fn listed(at: DateTime<Utc>, id: Uuid) -> String {
    format!("{}|{id}", at.to_rfc3339_opts(SecondsFormat::Micros, true))
}

/// When an open collaboration expires: a proposal at its answer's due time,
/// an active one at its end; a closed one never.
fn deadline(view: &CollaborationView) -> Option<DateTime<Utc>> {
    match view.status {
        CollaborationStatus::Proposed => Some(view.respond_by),
        CollaborationStatus::Active => Some(view.ends),
        _ => None,
    }
}

fn is_delegation(view: &CollaborationView) -> bool {
    view.status == CollaborationStatus::Active && view.mode == CollaborationMode::DelegatedSelling
}

/// Writes `row` everywhere it is listed, replacing `before` (the row as it was).
fn put(tx: &mut Transaction<'_>, before: Option<&CollaborationRow>, row: &CollaborationRow) {
    let view = &row.view;
    let key = listed(view.proposed_at, view.id);
    let owner = row.owner.as_deref().map(owner_partition);
    if let Some(due) = before.and_then(|b| deadline(&b.view)) {
        tx.delete(DEADLINES, ALL, &listed(due, view.id));
    }
    if let Some(due) = deadline(view) {
        let value = json(&Deadline {
            collaboration_id: view.id,
            at: due,
        });
        tx.put(DEADLINES, ALL, &listed(due, view.id), value);
    }
    let value = json(view);
    tx.put(
        BY_PARTY,
        &merchant_partition(view.merchant_id),
        &key,
        value.clone(),
    );
    if let Some(owner) = &owner {
        tx.put(BY_PARTY, owner, &key, value.clone());
        if is_delegation(view) {
            tx.put(DELEGATIONS, owner, &key, value);
        } else {
            tx.delete(DELEGATIONS, owner, &key);
        }
    }
    tx.put(COLLABORATION_BY_ID, &view.id.to_string(), "", json(row));
}

fn put_entry(tx: &mut Transaction<'_>, view: &AuditEntryView) {
    let value = json(view);
    tx.put(
        AUDIT,
        &view.collaboration_id.to_string(),
        &listed(view.at, view.id),
        value.clone(),
    );
    tx.put(AUDIT_ENTRY, &view.id.to_string(), "", value);
}

/// The collaborations' views.
pub struct CollaborationsProjection;

#[async_trait]
impl EventHandler for CollaborationsProjection {
    fn name(&self) -> &'static str {
        "creator-media.collaborations"
    }

    async fn handle(
        &self,
        event: &RecordedEvent,
        tx: &mut Transaction<'_>,
    ) -> Result<(), HandleError> {
        let CreatorMediaEvent::Collaboration(event_) = event.decode::<CreatorMediaCodec>()? else {
            return Ok(());
        };
        let id = COLLABORATION
            .parse(&event.envelope.subject)
            .ok_or_else(|| {
                HandleError::permanent(format!(
                    "{} is not a collaboration stream",
                    event.envelope.subject
                ))
            })?;
        let (status, at) = match &event_ {
            CollaborationEvent::Proposed { proposal } => {
                let row = CollaborationRow {
                    view: collaboration_view(proposal, Status::Proposed, proposal.at),
                    owner: proposal.creator_owner.clone(),
                };
                put(tx, None, &row);
                return Ok(());
            }
            CollaborationEvent::Accepted { at, .. } => (CollaborationStatus::Active, *at),
            CollaborationEvent::Declined { at, .. } => (CollaborationStatus::Declined, *at),
            CollaborationEvent::Ended { at, .. } => (CollaborationStatus::Ended, *at),
            CollaborationEvent::Expired { at } => (CollaborationStatus::Expired, *at),
            CollaborationEvent::ActionRequested {
                entry_id,
                action,
                actor,
                at,
            } => {
                let entry = AuditEntry {
                    entry_id: *entry_id,
                    action: action.clone(),
                    actor: actor.clone(),
                    at: *at,
                    outcome: None,
                };
                put_entry(tx, &entry_view(id, &entry));
                return Ok(());
            }
            CollaborationEvent::ActionCompleted {
                entry_id,
                error_code,
                ..
            } => {
                let key = entry_id.to_string();
                if let Some(mut view) = tx.row::<AuditEntryView>(AUDIT_ENTRY, &key, "").await? {
                    view.outcome = match error_code {
                        None => AuditOutcome::Done,
                        Some(_) => AuditOutcome::Refused,
                    };
                    view.error_code = error_code.clone();
                    put_entry(tx, &view);
                }
                return Ok(());
            }
        };
        let key = id.to_string();
        let Some(before) = tx
            .row::<CollaborationRow>(COLLABORATION_BY_ID, &key, "")
            .await?
        else {
            return Ok(());
        };
        let mut row = before.clone();
        row.view.status = status;
        row.view.updated_at = at;
        put(tx, Some(&before), &row);
        Ok(())
    }
}
