use uuid::Uuid;

/// A family of streams named `<prefix>-<uuid>`, one per aggregate instance
/// (`merchant-<uuid>`, `wallet-<uuid>`…): builds the names and parses them
/// back, so the two never disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamName(&'static str);

impl StreamName {
    pub const fn new(prefix: &'static str) -> Self {
        Self(prefix)
    }

    pub fn prefix(&self) -> &'static str {
        self.0
    }

    /// The stream of the instance `id`.
    pub fn of(&self, id: Uuid) -> String {
        format!("{}-{id}", self.0)
    }

    /// The instance id of `subject` when it is a stream of this family.
    pub fn parse(&self, subject: &str) -> Option<Uuid> {
        let id = subject.strip_prefix(self.0)?.strip_prefix('-')?;
        Uuid::parse_str(id).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_name_parses_back_to_its_id() {
        const WALLET: StreamName = StreamName::new("wallet");
        let id = Uuid::now_v7();
        assert_eq!(WALLET.parse(&WALLET.of(id)), Some(id));
        assert_eq!(WALLET.parse("wallet-x"), None);
        assert_eq!(WALLET.parse(&format!("wallets-{id}")), None);
        assert_eq!(
            StreamName::new("order").parse(&format!("order-payment-{id}")),
            None
        );
    }
}
