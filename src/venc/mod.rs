//! venc
