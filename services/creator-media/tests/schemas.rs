//! The committed event corpus in `schemas/events/creator-media/` matches the
//! codec (regenerate with `GOLMOK_UPDATE_SCHEMAS=1 cargo test -p creator-media --test schemas`).

use std::path::Path;

use creator_media::app::codec::CreatorMediaCodec;
use golmok_kernel::{EventCodec, SchemaCatalog};

#[test]
fn committed_schemas_and_samples_match_the_codec() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas/events/creator-media");
    let checked = SchemaCatalog::new(dir)
        .check::<CreatorMediaCodec>()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(checked, CreatorMediaCodec::schemas().len());
}
