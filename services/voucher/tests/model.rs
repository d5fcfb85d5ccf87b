//! Model-based test of the money rules (RELIABILITY 10 and 11): random sequences
//! of purchases, holds, captures, voids, payments, refunds, expiry, settlement,
//! payouts and duplicate retries run against the real deciders and ledger and
//! against a plain reference model; the ledger invariants are checked after
//! every step. `VOUCHER_MODEL_CASES` raises the case count (64 by default).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use golmok_kernel::Decider;
use proptest::prelude::*;
use proptest::test_runner::Config;
use uuid::Uuid;
use voucher::domain::ledger::{
    AccountKind, Ledger, Transfer, programme_postings, settlement_postings, wallet_postings,
};
use voucher::domain::programme::{
    FeeTiers, MerchantFacts, Programme, ProgrammeCommand, ProgrammeState, RevenueTier, Terms,
};
use voucher::domain::settlement::{
    CapturedRedemption, Settlement, SettlementCommand, SettlementEvent, SettlementState,
};
use voucher::domain::wallet::{
    PurchaseRequest, RedemptionRequest, Wallet, WalletCommand, WalletEvent, WalletState,
};
use voucher::domain::{Bps, BusinessCalendar, Won, YearMonth, seoul_date};

const CITIZENS: usize = 3;
const HOLD_TIMEOUT_MINUTES: i64 = 30;
const FACES: [i64; 2] = [10_000, 50_000];
const BUDGET: i64 = 40_000;
const CAP: i64 = 120_000;
const DISCOUNT_BPS: u32 = 1_000;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn programme_id() -> Uuid {
    Uuid::from_u128(1)
}

fn terms() -> Terms {
    Terms {
        programme_id: programme_id(),
        issuer: "서울특별시 중구".into(),
        name: "중구 사랑상품권".into(),
        region: "중구".into(),
        districts: ["을지로".to_owned()].into(),
        face_values: FACES.iter().map(|f| Won(*f)).collect(),
        discount: Bps(DISCOUNT_BPS),
        monthly_cap: Won(CAP),
        valid_from: date(2026, 12, 1),
        valid_until: date(2026, 12, 31),
        categories: ["food".to_owned()].into(),
        fees: FeeTiers {
            micro: Bps(0),
            small: Bps(30),
            medium: Bps(50),
        },
        budget: Won(BUDGET),
    }
}

/// Merchants 0 and 1 are eligible (small and medium tier); 2 is outside the region.
fn merchant(n: usize) -> MerchantFacts {
    MerchantFacts {
        merchant_id: Uuid::from_u128(0x100 + n as u128),
        district: if n == 2 { "강남" } else { "을지로" }.into(),
        category: "food".into(),
        revenue_tier: if n == 0 {
            RevenueTier::Small
        } else {
            RevenueTier::Medium
        },
        registered_on: date(2020, 1, 1),
        suspended: false,
        voucher_suspended: false,
    }
}

fn wallet_id(citizen: usize) -> Uuid {
    Uuid::from_u128(0x200 + citizen as u128)
}

#[derive(Debug, Clone)]
enum Op {
    Purchase {
        citizen: usize,
        face: usize,
    },
    Hold {
        citizen: usize,
        merchant: usize,
        amount: i64,
    },
    Pay {
        citizen: usize,
        merchant: usize,
        amount: i64,
    },
    Capture {
        citizen: usize,
        pick: usize,
    },
    Void {
        citizen: usize,
        pick: usize,
    },
    RefundPurchase {
        citizen: usize,
        pick: usize,
    },
    RefundRedemption {
        citizen: usize,
        pick: usize,
        amount: i64,
    },
    Advance {
        minutes: i64,
    },
    Expire,
    Settle,
    PayOut,
    /// The previous operation sent again with the same ids.
    Retry,
}

fn op() -> impl Strategy<Value = Op> {
    let citizen = 0..CITIZENS;
    prop_oneof![
        3 => (citizen.clone(), 0..FACES.len()).prop_map(|(citizen, face)| Op::Purchase { citizen, face }),
        3 => (citizen.clone(), 0..3usize, 1..30_000i64).prop_map(|(citizen, merchant, amount)| Op::Hold { citizen, merchant, amount }),
        3 => (citizen.clone(), 0..3usize, 1..30_000i64).prop_map(|(citizen, merchant, amount)| Op::Pay { citizen, merchant, amount }),
        2 => (citizen.clone(), any::<usize>()).prop_map(|(citizen, pick)| Op::Capture { citizen, pick }),
        1 => (citizen.clone(), any::<usize>()).prop_map(|(citizen, pick)| Op::Void { citizen, pick }),
        1 => (citizen.clone(), any::<usize>()).prop_map(|(citizen, pick)| Op::RefundPurchase { citizen, pick }),
        1 => (citizen, any::<usize>(), 1..20_000i64).prop_map(|(citizen, pick, amount)| Op::RefundRedemption { citizen, pick, amount }),
        2 => (1..720i64).prop_map(|minutes| Op::Advance { minutes }),
        1 => Just(Op::Expire),
        1 => Just(Op::Settle),
        1 => Just(Op::PayOut),
        2 => Just(Op::Retry),
    ]
}

// ---- reference model ----------------------------------------------------------

#[derive(Debug, Clone, Default)]
struct ModelWallet {
    balance: i64,
    bought: BTreeMap<YearMonth, i64>,
    /// (id, face, refunded)
    purchases: Vec<(Uuid, i64, bool)>,
    /// id → (amount, expires, open)
    holds: BTreeMap<Uuid, (i64, DateTime<Utc>, bool)>,
    /// id → (merchant, amount, refunded, captured on)
    captured: BTreeMap<Uuid, (usize, i64, i64, NaiveDate)>,
    expired: i64,
}

impl ModelWallet {
    /// Holds whose time is up are released by the next redemption or refund.
    fn release_timed_out(&mut self, now: DateTime<Utc>) {
        for (_, expires_at, open) in self.holds.values_mut() {
            if *open && now >= *expires_at {
                *open = false;
            }
        }
    }

    fn available(&self, now: DateTime<Utc>) -> i64 {
        self.balance
            - self
                .holds
                .values()
                .filter(|(_, expires, open)| *open && now < *expires)
                .map(|(amount, _, _)| amount)
                .sum::<i64>()
    }
}

#[derive(Debug, Default)]
struct Model {
    budget_used: i64,
    issued: i64,
    wallets: Vec<ModelWallet>,
    settled: BTreeSet<Uuid>,
    /// (merchant, date) → gross
    batches: BTreeMap<(usize, NaiveDate), i64>,
}

// ---- the system: deciders, events, ledger --------------------------------------

struct System {
    now: DateTime<Utc>,
    programme: ProgrammeState,
    wallets: Vec<WalletState>,
    settlements: Vec<SettlementState>,
    ledger: Ledger,
    next: u128,
    model: Model,
    last: Option<Op>,
    /// Ids the last operation used, reused by a retry.
    last_id: Uuid,
}

fn post(ledger: &mut Ledger, transfers: Vec<Transfer>) {
    for transfer in transfers {
        ledger
            .apply(&transfer)
            .unwrap_or_else(|e| panic!("the ledger refused what a decider accepted: {e}"));
    }
}

impl System {
    fn new() -> Self {
        let created = Programme::decide(
            &ProgrammeState::default(),
            &ProgrammeCommand::Create {
                terms: terms(),
                at: "2026-11-30T00:00:00Z".parse().unwrap(),
            },
        )
        .unwrap();
        let mut ledger = Ledger::default();
        let mut programme = ProgrammeState::default();
        for event in &created {
            post(&mut ledger, programme_postings(event));
            programme = Programme::evolve(programme, event);
        }
        Self {
            now: "2026-12-29T23:00:00Z".parse().unwrap(),
            programme,
            wallets: vec![WalletState::default(); CITIZENS],
            settlements: vec![SettlementState::default(); 3],
            ledger,
            next: 0x10_000,
            model: Model {
                wallets: vec![ModelWallet::default(); CITIZENS],
                ..Model::default()
            },
            last: None,
            last_id: Uuid::nil(),
        }
    }

    fn fresh(&mut self) -> Uuid {
        self.next += 1;
        Uuid::from_u128(self.next)
    }

    fn wallet(
        &mut self,
        citizen: usize,
        command: WalletCommand,
    ) -> Result<Vec<WalletEvent>, String> {
        let events = Wallet::decide(&self.wallets[citizen], &command).map_err(|e| e.to_string())?;
        for event in &events {
            let event_id = self.fresh();
            post(
                &mut self.ledger,
                wallet_postings(programme_id(), wallet_id(citizen), event, event_id),
            );
            self.wallets[citizen] = Wallet::evolve(self.wallets[citizen].clone(), event);
        }
        Ok(events)
    }

    fn programme(&mut self, command: ProgrammeCommand) -> Result<(), String> {
        let events = Programme::decide(&self.programme, &command).map_err(|e| e.to_string())?;
        for event in &events {
            post(&mut self.ledger, programme_postings(event));
            self.programme = Programme::evolve(self.programme.clone(), event);
        }
        Ok(())
    }

    fn run(&mut self, op: &Op) {
        let (op, id) = match op {
            Op::Retry => match self.last.clone() {
                Some(last) => (last, self.last_id),
                None => return,
            },
            other => (other.clone(), self.fresh()),
        };
        let retry = id == self.last_id;
        self.last = Some(op.clone());
        self.last_id = id;
        match op {
            Op::Purchase { citizen, face } => self.purchase(citizen, Won(FACES[face]), id, retry),
            Op::Hold {
                citizen,
                merchant,
                amount,
            } => self.redeem(citizen, merchant, amount, id, retry, true),
            Op::Pay {
                citizen,
                merchant,
                amount,
            } => self.redeem(citizen, merchant, amount, id, retry, false),
            Op::Capture { citizen, pick } => self.second_phase(citizen, pick, true),
            Op::Void { citizen, pick } => self.second_phase(citizen, pick, false),
            Op::RefundPurchase { citizen, pick } => self.refund_purchase(citizen, pick),
            Op::RefundRedemption {
                citizen,
                pick,
                amount,
            } => self.refund_redemption(citizen, pick, amount, id),
            Op::Advance { minutes } => self.now += TimeDelta::minutes(minutes),
            Op::Expire => self.expire(),
            Op::Settle => self.settle(),
            Op::PayOut => self.pay_out(),
            Op::Retry => {}
        }
    }

    /// The app's orchestration: commit the subsidy, credit the wallet, give the
    /// subsidy back when the wallet refuses.
    fn purchase(&mut self, citizen: usize, face: Won, id: Uuid, retry: bool) {
        let terms = terms();
        let discount = terms.discount_on(face).expect("a test face value").0;
        let m = &self.model.wallets[citizen];
        let month = YearMonth::of(seoul_date(self.now));
        let expected = if retry {
            // The first attempt's outcome, whatever it was.
            self.wallets[citizen].purchases.contains_key(&id)
        } else {
            terms.valid_on(seoul_date(self.now))
                && m.bought.get(&month).copied().unwrap_or(0) + face.0 <= CAP
                && self.model.budget_used + discount <= BUDGET
        };
        let committed = self.programme(ProgrammeCommand::CommitSubsidy {
            purchase_id: id,
            amount: Won(discount),
            at: self.now,
        });
        let outcome = committed.and_then(|()| {
            self.wallet(
                citizen,
                WalletCommand::Purchase(PurchaseRequest {
                    purchase_id: id,
                    wallet_id: wallet_id(citizen),
                    owner: format!("citizen-{citizen}"),
                    terms: terms.clone(),
                    face,
                    at: self.now,
                }),
            )
        });
        match &outcome {
            Ok(_) => {}
            Err(_) => {
                if !self.wallets[citizen].purchases.contains_key(&id) {
                    self.programme(ProgrammeCommand::ReleaseSubsidy {
                        purchase_id: id,
                        at: self.now,
                    })
                    .unwrap();
                }
            }
        }
        let accepted = self.wallets[citizen].purchases.contains_key(&id);
        assert_eq!(
            accepted, expected,
            "purchase of {face:?} at {}: {outcome:?}",
            self.now
        );
        if retry {
            assert!(
                outcome.is_err(),
                "a retried purchase must not buy again: {outcome:?}"
            );
            return;
        }
        if accepted {
            let m = &mut self.model.wallets[citizen];
            m.balance += face.0;
            *m.bought.entry(month).or_default() += face.0;
            m.purchases.push((id, face.0, false));
            self.model.budget_used += discount;
            self.model.issued += face.0;
        }
    }

    fn redeem(
        &mut self,
        citizen: usize,
        merchant_n: usize,
        amount: i64,
        id: Uuid,
        retry: bool,
        hold: bool,
    ) {
        let request = RedemptionRequest {
            redemption_id: id,
            merchant: merchant(merchant_n),
            amount: Won(amount),
            terms: terms(),
            at: self.now,
        };
        let opened = self.wallets[citizen].wallet.is_some();
        let expires = self.now + TimeDelta::minutes(HOLD_TIMEOUT_MINUTES);
        let command = if hold {
            WalletCommand::Hold {
                request,
                expires_at: expires,
            }
        } else {
            WalletCommand::Pay(request)
        };
        let outcome = self.wallet(citizen, command);
        if retry {
            assert!(
                outcome.is_err() || !opened,
                "a retried redemption must be refused as a duplicate: {outcome:?}"
            );
            return;
        }
        let m = &mut self.model.wallets[citizen];
        let eligible = merchant_n != 2 && terms().valid_on(seoul_date(self.now));
        let accepted = opened && eligible && amount <= m.available(self.now);
        let events = match outcome {
            Err(e) => {
                assert!(!opened, "redemption refused on an open wallet: {e}");
                return;
            }
            Ok(events) => events,
        };
        let placed = events
            .iter()
            .any(|e| matches!(e, WalletEvent::HoldPlaced { .. } | WalletEvent::Paid { .. }));
        assert_eq!(
            placed, accepted,
            "redemption of {amount} at merchant {merchant_n}: {events:?}"
        );
        m.release_timed_out(self.now);
        if accepted && hold {
            m.holds.insert(id, (amount, expires, true));
        } else if accepted {
            m.balance -= amount;
            m.captured
                .insert(id, (merchant_n, amount, 0, seoul_date(self.now)));
        }
    }

    fn second_phase(&mut self, citizen: usize, pick: usize, capture: bool) {
        let m = &self.model.wallets[citizen];
        let ids: Vec<Uuid> = m.holds.keys().copied().collect();
        if ids.is_empty() {
            return;
        }
        let id = ids[pick % ids.len()];
        let (amount, expires, open) = m.holds[&id];
        let command = if capture {
            WalletCommand::Capture {
                redemption_id: id,
                at: self.now,
            }
        } else {
            WalletCommand::Void {
                redemption_id: id,
                at: self.now,
            }
        };
        let outcome = self.wallet(citizen, command);
        let m = &mut self.model.wallets[citizen];
        let expected = open && (!capture || self.now < expires);
        assert_eq!(
            outcome.is_ok(),
            expected,
            "capture={capture} of {id}: {outcome:?}"
        );
        if expected {
            m.holds.get_mut(&id).unwrap().2 = false;
            if capture {
                let merchant_n = (0..3)
                    .find(|n| {
                        merchant(*n).merchant_id
                            == self.wallets[citizen].redemptions[&id].merchant_id
                    })
                    .unwrap();
                m.balance -= amount;
                m.captured
                    .insert(id, (merchant_n, amount, 0, seoul_date(self.now)));
            }
        }
    }

    fn refund_purchase(&mut self, citizen: usize, pick: usize) {
        let m = &self.model.wallets[citizen];
        if m.purchases.is_empty() {
            return;
        }
        let index = pick % m.purchases.len();
        let (id, face, refunded) = m.purchases[index];
        let expected = !refunded
            && seoul_date(self.now) <= terms().valid_until
            && m.available(self.now) >= face;
        let outcome = self.wallet(
            citizen,
            WalletCommand::RefundPurchase {
                purchase_id: id,
                terms: terms(),
                at: self.now,
            },
        );
        assert_eq!(
            outcome.is_ok(),
            expected,
            "refund of purchase {id}: {outcome:?}"
        );
        if expected {
            self.programme(ProgrammeCommand::ReleaseSubsidy {
                purchase_id: id,
                at: self.now,
            })
            .unwrap();
            let m = &mut self.model.wallets[citizen];
            m.release_timed_out(self.now);
            m.balance -= face;
            m.purchases[index].2 = true;
            self.model.budget_used -= terms().discount_on(Won(face)).expect("a test face value").0;
            self.model.issued -= face;
        }
    }

    fn refund_redemption(&mut self, citizen: usize, pick: usize, amount: i64, _id: Uuid) {
        let m = &self.model.wallets[citizen];
        let ids: Vec<Uuid> = m.captured.keys().copied().collect();
        if ids.is_empty() {
            return;
        }
        let id = ids[pick % ids.len()];
        let (_, captured, refunded, on) = m.captured[&id];
        let expected = amount <= captured - refunded && seoul_date(self.now) == on;
        let outcome = self.wallet(
            citizen,
            WalletCommand::RefundRedemption {
                redemption_id: id,
                amount: Won(amount),
                at: self.now,
            },
        );
        assert_eq!(
            outcome.is_ok(),
            expected,
            "refund of redemption {id}: {outcome:?}"
        );
        if expected {
            let m = &mut self.model.wallets[citizen];
            m.balance += amount;
            m.captured.get_mut(&id).unwrap().2 += amount;
        }
    }

    fn expire(&mut self) {
        let past = seoul_date(self.now) > terms().valid_until;
        for citizen in 0..CITIZENS {
            let opened = self.wallets[citizen].wallet.is_some();
            let outcome = self.wallet(
                citizen,
                WalletCommand::Expire {
                    terms: terms(),
                    at: self.now,
                },
            );
            assert_eq!(outcome.is_ok(), past && opened, "expiry: {outcome:?}");
            if outcome.is_ok() {
                let m = &mut self.model.wallets[citizen];
                m.expired += m.balance;
                m.balance = 0;
                for hold in m.holds.values_mut() {
                    hold.2 = false;
                }
            }
        }
    }

    fn settle(&mut self) {
        let Some(day) = seoul_date(self.now).pred_opt() else {
            return;
        };
        for merchant_n in 0..3 {
            let candidates: Vec<CapturedRedemption> = self
                .model
                .wallets
                .iter()
                .enumerate()
                .flat_map(|(citizen, m)| {
                    m.captured
                        .iter()
                        .filter(move |(_, c)| c.0 == merchant_n)
                        .map(move |(id, c)| CapturedRedemption {
                            redemption_id: *id,
                            wallet_id: wallet_id(citizen),
                            captured_on: c.3,
                            amount: Won(c.1 - c.2),
                        })
                })
                .collect();
            let facts = merchant(merchant_n);
            let command = SettlementCommand::Settle {
                programme_id: programme_id(),
                merchant_id: facts.merchant_id,
                business_date: day,
                candidates: candidates.clone(),
                fee_rate: terms().fees.rate(facts.revenue_tier),
                calendar: BusinessCalendar::default(),
                payout_lag_days: 2,
                at: self.now,
            };
            let events = Settlement::decide(&self.settlements[merchant_n], &command).unwrap();
            let expected: Vec<&CapturedRedemption> = candidates
                .iter()
                .filter(|c| {
                    c.captured_on <= day
                        && c.amount.is_positive()
                        && !self.model.settled.contains(&c.redemption_id)
                })
                .collect();
            let already = self.model.batches.contains_key(&(merchant_n, day));
            assert_eq!(
                events.is_empty(),
                already || expected.is_empty(),
                "settlement of {day}: {events:?}"
            );
            for event in &events {
                if let SettlementEvent::Settled(batch) = event {
                    let gross: i64 = expected.iter().map(|c| c.amount.0).sum();
                    assert_eq!(batch.gross, Won(gross), "settled = captured minus refunds");
                    assert_eq!(batch.fee.0 + batch.net.0, gross);
                    self.model.batches.insert((merchant_n, day), gross);
                    self.model
                        .settled
                        .extend(expected.iter().map(|c| c.redemption_id));
                }
                post(
                    &mut self.ledger,
                    settlement_postings(programme_id(), facts.merchant_id, event),
                );
                self.settlements[merchant_n] =
                    Settlement::evolve(self.settlements[merchant_n].clone(), event);
            }
        }
    }

    fn pay_out(&mut self) {
        for merchant_n in 0..3 {
            let dates: Vec<NaiveDate> = self.settlements[merchant_n]
                .batches
                .keys()
                .copied()
                .collect();
            for day in dates {
                let command = SettlementCommand::PayOut {
                    business_date: day,
                    at: self.now,
                };
                if let Ok(events) = Settlement::decide(&self.settlements[merchant_n], &command) {
                    for event in &events {
                        post(
                            &mut self.ledger,
                            settlement_postings(
                                programme_id(),
                                merchant(merchant_n).merchant_id,
                                event,
                            ),
                        );
                        self.settlements[merchant_n] =
                            Settlement::evolve(self.settlements[merchant_n].clone(), event);
                    }
                }
            }
        }
    }

    /// The invariants of RELIABILITY 10, checked after every step.
    fn check(&self) {
        let ledger = &self.ledger;
        let (debits, credits) = ledger.totals().expect("the totals fit");
        assert_eq!(debits, credits, "debits = credits");
        for (account, balance) in &ledger.accounts {
            if account.constrained() {
                assert!(
                    balance.available().0 >= 0,
                    "{} is overdrawn: {balance:?}",
                    account.code()
                );
            }
        }
        let posted = |kind| {
            ledger
                .balance(&voucher::domain::ledger::AccountId::new(
                    programme_id(),
                    kind,
                ))
                .posted()
                .0
        };
        let mut outstanding = 0;
        for (citizen, m) in self.model.wallets.iter().enumerate() {
            let wallet = posted(AccountKind::Wallet(wallet_id(citizen)));
            assert_eq!(wallet, m.balance, "wallet {citizen} in the ledger");
            assert_eq!(
                self.wallets[citizen].balance.0, m.balance,
                "wallet {citizen} in its aggregate"
            );
            assert!(m.balance >= 0);
            outstanding += wallet;
        }
        let expired = posted(AccountKind::Expired);
        let paid_out: i64 = self
            .settlements
            .iter()
            .flat_map(|s| s.paid.iter().map(|d| s.batches[d].net.0))
            .sum();
        let redeemed: i64 = (0..3)
            .map(|n| posted(AccountKind::MerchantReceivable(merchant(n).merchant_id)))
            .sum::<i64>()
            + posted(AccountKind::Fees)
            + posted(AccountKind::Clearing)
            + paid_out;
        let issued =
            -posted(AccountKind::IssuerFloat) - posted(AccountKind::SubsidyBudget) + paid_out;
        assert_eq!(issued, self.model.issued, "issued");
        assert_eq!(
            issued,
            redeemed + outstanding + expired,
            "issued = redeemed + outstanding + expired"
        );
        let model_redeemed: i64 = self
            .model
            .wallets
            .iter()
            .flat_map(|m| m.captured.values().map(|c| c.1 - c.2))
            .sum();
        assert_eq!(redeemed, model_redeemed, "redeemed");
        assert!(self.programme.committed.0 <= BUDGET, "budget exceeded");
        assert_eq!(
            self.programme.committed.0, self.model.budget_used,
            "budget used"
        );
        assert_eq!(
            posted(AccountKind::SubsidyBudget),
            BUDGET - self.model.budget_used
        );
        for (n, settlement) in self.settlements.iter().enumerate() {
            for (day, batch) in &settlement.batches {
                assert_eq!(
                    Some(&batch.gross.0),
                    self.model.batches.get(&(n, *day)),
                    "settlement = captured per merchant and period"
                );
                assert!(batch.lines.iter().all(|l| l.captured_on <= *day));
            }
        }
        let lines: Vec<Uuid> = self
            .settlements
            .iter()
            .flat_map(|s| {
                s.batches
                    .values()
                    .flat_map(|b| b.lines.iter().map(|l| l.redemption_id))
            })
            .collect();
        let unique: BTreeSet<&Uuid> = lines.iter().collect();
        assert_eq!(
            unique.len(),
            lines.len(),
            "a redemption settles in one batch"
        );
    }
}

fn cases() -> u32 {
    std::env::var("VOUCHER_MODEL_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64)
}

proptest! {
    #![proptest_config(Config { cases: cases(), ..Config::default() })]

    #[test]
    fn random_voucher_histories_keep_the_ledger_invariants(ops in proptest::collection::vec(op(), 1..120)) {
        let mut system = System::new();
        system.check();
        for op in &ops {
            system.run(op);
            system.check();
        }
    }
}
