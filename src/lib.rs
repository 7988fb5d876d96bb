//! digit-matcher
pub fn hello() {}
