//! PDF documents (to be written).
