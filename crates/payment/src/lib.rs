//! Online payment (to be written).
