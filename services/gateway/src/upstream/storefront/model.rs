//! The storefront's JSON and its GraphQL enums and value objects are the
//! contract's (`golmok_contracts::storefront`), named here as the schema
//! names them; what stays in the gateway is the directory's filter.

use async_graphql::InputObject;
pub(crate) use golmok_contracts::storefront::http::{
    AttributionView as Attribution, DiagnosisView as Diagnosis, HeritageView as Heritage,
    MerchantStatus, MerchantView as Merchant, OnboardingView as ChannelOnboarding,
    OrderLineView as OrderLine, OrderReturnView as OrderReturn, OrderStatus, OrderView as Order,
    PaymentView as Payment, ProductView as Product, RefundView as Refund,
    ReturnedLineView as ReturnedLine,
};
pub(crate) use golmok_contracts::storefront::{
    HeritageBadge, Kind as MerchantKind, Market, OnboardingStatus, PaymentMethod, RevenueTier,
};

/// Filters of the merchant directory; they combine.
#[derive(InputObject, Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct MerchantFilter {
    /// Only merchants in this district (상권).
    pub(crate) district: Option<String>,
    /// Only merchants of this category.
    pub(crate) category: Option<String>,
    /// Only merchants holding this approved badge.
    pub(crate) heritage: Option<HeritageBadge>,
    /// Include suspended merchants (officials and operators only).
    #[graphql(default)]
    pub(crate) include_suspended: bool,
}

/// The code of `badge`, as the storefront's directory filter takes it.
pub(crate) fn heritage_code(badge: HeritageBadge) -> &'static str {
    match badge {
        HeritageBadge::CenturyStore => "CENTURY_STORE",
        HeritageBadge::MasterArtisan => "MASTER_ARTISAN",
    }
}
