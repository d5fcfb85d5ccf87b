//! The services this binary hosts: the one list that `golmok up`, `golmok
//! serve`, `golmok migrate` and the suite settings loop over. Adding a
//! service is one line here.

use golmok_runtime::ServiceFactory;

/// Every service, in the order they start.
pub const SERVICES: &[&dyn ServiceFactory] = &[
    &storefront::SERVICE,
    &voucher::SERVICE,
    &creator_media::SERVICE,
];

/// The services' names, in registry order.
pub fn names() -> Vec<&'static str> {
    SERVICES.iter().map(|service| service.name()).collect()
}
