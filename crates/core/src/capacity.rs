//! Seats and waiting lists (placeholder; being written).
