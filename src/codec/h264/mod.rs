//! Software H.264 engine (placeholder until the engine lands).
