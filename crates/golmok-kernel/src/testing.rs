//! Given/when/then for [`Decider`]s: given the events that happened, when a
//! command arrives, then these events, or this error. Test support only
//! (feature `testing`, enabled from dev-dependencies).
//!
//! ```ignore
//! Case::given(opened()).when(suspend()).then([CaseEvent::MerchantSuspended { .. }]);
//! Case::given_nothing().when(suspend()).then_error(CaseError::NotFound);
//! ```

use std::fmt::Debug;

use crate::Decider;

/// The history a command is decided against.
pub struct DeciderSpec<D: Decider> {
    given: Vec<D::Event>,
}

/// The decision of one command against a [`DeciderSpec`]'s history.
#[must_use = "a decision is checked with then, then_error, events, error or state"]
pub struct Decision<D: Decider> {
    given: Vec<D::Event>,
    result: Result<Vec<D::Event>, D::Error>,
}

/// Starts a given/when/then case from any decider: `Wallet::given(events)`.
pub trait Given: Decider + Sized {
    /// Given these events happened, in order.
    fn given(events: impl AsRef<[Self::Event]>) -> DeciderSpec<Self> {
        DeciderSpec {
            given: events.as_ref().to_vec(),
        }
    }

    /// Given nothing happened: the empty stream.
    fn given_nothing() -> DeciderSpec<Self> {
        DeciderSpec { given: Vec::new() }
    }
}

impl<D: Decider> Given for D {}

impl<D: Decider> DeciderSpec<D>
where
    D::Event: Debug,
{
    /// And then these commands were accepted, in order (panics on a rejection).
    pub fn and(mut self, commands: impl IntoIterator<Item = D::Command>) -> Self {
        for command in commands {
            let events = self.when(command).events();
            self.given.extend(events);
        }
        self
    }

    /// Every event so far.
    pub fn history(&self) -> Vec<D::Event> {
        self.given.clone()
    }

    /// The state the history folds to.
    pub fn state(&self) -> D::State {
        D::fold(&self.given)
    }

    /// When `command` arrives.
    pub fn when(&self, command: D::Command) -> Decision<D> {
        Decision {
            result: D::decide(&self.state(), &command),
            given: self.given.clone(),
        }
    }
}

impl<D: Decider> Decision<D>
where
    D::Event: Debug,
{
    /// Then exactly these events.
    pub fn then(self, expected: impl AsRef<[D::Event]>)
    where
        D::Event: PartialEq,
    {
        assert_eq!(self.events().as_slice(), expected.as_ref());
    }

    /// Then no event: the command changes nothing.
    pub fn then_nothing(self) {
        let events = self.events();
        assert!(events.is_empty(), "expected no event, got {events:?}");
    }

    /// Then exactly this error.
    pub fn then_error(self, expected: D::Error)
    where
        D::Error: PartialEq,
    {
        assert_eq!(self.error(), expected);
    }

    /// The events decided (panics with the error when the command was refused).
    pub fn events(self) -> Vec<D::Event> {
        match self.result {
            Ok(events) => events,
            Err(error) => panic!("expected events, the command was refused: {error:?}"),
        }
    }

    /// The error (panics with the events when the command was accepted).
    pub fn error(self) -> D::Error {
        match self.result {
            Ok(events) => panic!("expected an error, the command decided {events:?}"),
            Err(error) => error,
        }
    }

    /// The decision as it came.
    pub fn result(self) -> Result<Vec<D::Event>, D::Error> {
        self.result
    }

    /// The history with the decided events (panics when the command was refused).
    pub fn history(self) -> Vec<D::Event> {
        let mut history = self.given.clone();
        history.extend(self.events());
        history
    }

    /// The state after the decided events (panics when the command was refused).
    pub fn state(self) -> D::State {
        D::fold(&self.history())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A counter that refuses to go above 2.
    struct Counter;

    #[derive(Debug, Clone, PartialEq)]
    struct Added;

    #[derive(Debug, PartialEq, thiserror::Error)]
    #[error("full")]
    struct Full;

    impl Decider for Counter {
        type State = u32;
        type Command = ();
        type Event = Added;
        type Error = Full;

        fn decide(state: &u32, _: &()) -> Result<Vec<Added>, Full> {
            if *state < 2 {
                Ok(vec![Added])
            } else {
                Err(Full)
            }
        }

        fn evolve(state: u32, _: &Added) -> u32 {
            state + 1
        }
    }

    #[test]
    fn given_when_then_checks_events_errors_and_state() {
        Counter::given_nothing().when(()).then([Added]);
        Counter::given([Added]).when(()).then(vec![Added]);
        Counter::given([Added, Added]).when(()).then_error(Full);
        assert_eq!(Counter::given_nothing().and([(), ()]).state(), 2);
        assert_eq!(Counter::given([Added]).when(()).state(), 2);
        assert_eq!(Counter::given([Added]).when(()).history().len(), 2);
    }

    #[test]
    #[should_panic(expected = "the command was refused")]
    fn then_fails_on_a_refusal() {
        Counter::given([Added, Added]).when(()).then([Added]);
    }

    #[test]
    #[should_panic(expected = "assertion")]
    fn then_fails_on_other_events() {
        Counter::given_nothing().when(()).then([Added, Added]);
    }
}
