use uuid::Uuid;

/// What an account holds. Every account belongs to one programme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AccountKind {
    /// The issuer's float: the cash side. Debited as money comes in (budget
    /// funding, citizens' payments), credited as it goes out (refunds, payouts).
    IssuerFloat,
    /// The subsidy budget discounts are paid from.
    SubsidyBudget,
    /// Voucher value a citizen holds.
    Wallet(Uuid),
    /// What the programme owes a merchant for captured, unsettled redemptions.
    MerchantReceivable(Uuid),
    /// Merchant fees withheld at settlement.
    Fees,
    /// Settled batches awaiting payout.
    Clearing,
    /// Voucher value that expired unused.
    Expired,
}

/// An account: its programme and its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AccountId {
    pub programme: Uuid,
    pub kind: AccountKind,
}

impl AccountId {
    pub fn new(programme: Uuid, kind: AccountKind) -> Self {
        Self { programme, kind }
    }

    /// Whether the account may never have more debits than credits. Only the
    /// issuer float, where money enters the ledger, may.
    pub fn constrained(&self) -> bool {
        !matches!(self.kind, AccountKind::IssuerFloat)
    }

    /// The account's code within its programme, e.g. `wallet:<uuid>`.
    pub fn code(&self) -> String {
        match self.kind {
            AccountKind::IssuerFloat => "issuer_float".to_owned(),
            AccountKind::SubsidyBudget => "subsidy_budget".to_owned(),
            AccountKind::Wallet(id) => format!("wallet:{id}"),
            AccountKind::MerchantReceivable(id) => format!("merchant:{id}"),
            AccountKind::Fees => "fees".to_owned(),
            AccountKind::Clearing => "clearing".to_owned(),
            AccountKind::Expired => "expired".to_owned(),
        }
    }

    /// The account of `programme` with `code`, as [`Self::code`] writes it.
    pub fn parse(programme: Uuid, code: &str) -> Option<Self> {
        let kind = match code {
            "issuer_float" => AccountKind::IssuerFloat,
            "subsidy_budget" => AccountKind::SubsidyBudget,
            "fees" => AccountKind::Fees,
            "clearing" => AccountKind::Clearing,
            "expired" => AccountKind::Expired,
            other => {
                let (prefix, id) = other.split_once(':')?;
                let id = Uuid::parse_str(id).ok()?;
                match prefix {
                    "wallet" => AccountKind::Wallet(id),
                    "merchant" => AccountKind::MerchantReceivable(id),
                    _ => return None,
                }
            }
        };
        Some(Self::new(programme, kind))
    }
}
