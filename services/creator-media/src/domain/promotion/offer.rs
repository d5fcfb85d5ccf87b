/// What a promotion offers on its products.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Offer {
    /// A percentage off, in basis points (1 to 10,000).
    PercentOff { bps: u32 },
    /// A fixed amount off each unit, in won (more than 0).
    AmountOff { won: u64 },
    /// A code the buyer gives at checkout: 4 to 20 of `A-Z 0-9 -`.
    Code { code: String },
}

impl Offer {
    /// Whether the offer is one a promotion may make.
    pub fn is_valid(&self) -> bool {
        match self {
            Offer::PercentOff { bps } => (1..=10_000).contains(bps),
            Offer::AmountOff { won } => *won > 0,
            Offer::Code { code } => {
                (4..=20).contains(&code.len())
                    && code
                        .bytes()
                        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
            }
        }
    }
}
