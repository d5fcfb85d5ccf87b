/// An aggregate as a pure decider: no I/O, clocks or id generation inside.
///
/// Anything time- or id-dependent travels inside the command, so `decide` is a
/// plain function of state and command and can be retried after a conflict.
pub trait Decider {
    /// Folded state; `Default` is the state of a stream with no events.
    type State: Default + Clone + Send + Sync + 'static;
    /// An intent; `Clone` because a conflicting append is retried with it,
    /// `Debug` because its variant name labels the command metrics.
    type Command: Clone + Send + Sync + std::fmt::Debug + 'static;
    type Event: Clone + Send + Sync + 'static;
    type Error: std::error::Error + Send + Sync + 'static;

    fn decide(
        state: &Self::State,
        command: &Self::Command,
    ) -> Result<Vec<Self::Event>, Self::Error>;
    fn evolve(state: Self::State, event: &Self::Event) -> Self::State;

    /// Folds events from the empty state.
    fn fold<'a>(events: impl IntoIterator<Item = &'a Self::Event>) -> Self::State
    where
        Self::Event: 'a,
    {
        events
            .into_iter()
            .fold(Self::State::default(), Self::evolve)
    }
}
